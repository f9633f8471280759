// How pct reports failures, so the simulator says what pct says. Sources (pve-common): PVE::Exception
// stringify ("<code> <msg>", then "<key>: <error>" lines, then the usage), PVE::RESTHandler::cli_handler
// (a 400 gets the command's short usage appended), PVE::CLIHandler (unknown command: "ERROR: …" + USAGE).
// Every die ends the Perl process with exit code 255.

/** Exit code of a Perl `die`: pct ends with 255 on every error. */
export const DIE = 255;

/** A failure the simulator reports on stderr and exits with. */
export class PveError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = DIE,
  ) {
    super(message);
  }
}

/** A parameter exception (HTTP 400): message, each key's error, then the command's usage line. */
export function paramError(o: {
  readonly msg: string;
  readonly errors?: Readonly<Record<string, string>>;
  readonly usage: string;
  readonly warnings?: readonly string[];
}): PveError {
  const keys = Object.keys(o.errors ?? {}).sort();
  const errors = keys.map((k) => `${k}: ${(o.errors as Record<string, string>)[k]}\n`).join("");
  // An error list is followed by a blank line before the usage (as pvecm/pct print it).
  const text = `${(o.warnings ?? []).map((w) => `${w}\n`).join("")}400 ${o.msg}\n${errors}${errors ? "\n" : ""}${o.usage}\n`;
  return new PveError(text);
}

/** A plain `die "...\n"`. */
export function die(msg: string): PveError {
  return new PveError(msg.endsWith("\n") ? msg : `${msg}\n`);
}
