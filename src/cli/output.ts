// How data commands print: one JSON document on stdout with --json, a human rendering otherwise.

/** Prints `value` as JSON (--json) or as the text `human` renders. */
export function emit<T>(json: boolean | undefined, value: T, human: (v: T) => string): void {
  if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else {
    const text = human(value);
    if (text) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}
