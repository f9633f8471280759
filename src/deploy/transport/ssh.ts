// Transport over OpenSSH: BatchMode, the host key pinned to the inventory's entry (never the user's
// known_hosts), one multiplexed connection per host, remote argv quoted by quoteArgv only.
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import pLimit from "p-limit";
import { ToolError, UserError } from "../../errors.js";
import { describeFailure, run, showArgv, spawnPiped, type RunResult } from "../../exec/run.js";
import { quoteInput } from "../../util/quote.js";
import type { HostInventory, Transport } from "../types.js";
import { quoteArgv } from "./quote.js";
import { knownHostsLine, sshOptions, type SshFiles } from "./ssh-args.js";

/** Options of sshTransport beyond the inventory. */
export interface SshTransportOptions {
  /** Most commands in flight on the shared connection (sshd's MaxSessions defaults to 10). */
  readonly maxSessions?: number;
}

// Writes stdin to a temporary name beside the target and renames it: the target is whole or absent.
// A constant script; the target path arrives as "$1", never pasted into the text.
const COPY_SCRIPT = 'set -e; tmp="$1.kiln-tmp.$$"; trap \'rm -f -- "$tmp"\' EXIT; cat > "$tmp"; mv -f -- "$tmp" "$1"';

/** A Transport to `host` over OpenSSH. Connects on first use; close() ends the shared connection. */
export function sshTransport(host: HostInventory, opts: SshTransportOptions = {}): Transport {
  const describe = `${host.name} (ssh ${host.address}${host.port ? `:${host.port}` : ""})`;
  const limit = pLimit(opts.maxSessions ?? 8);
  let session: Promise<Session> | undefined;
  let closed = false;
  const open = (): Promise<Session> => {
    if (closed) return Promise.reject(new ToolError(`${describe}: transport already closed`));
    session ??= connect(host, describe);
    return session;
  };
  return {
    describe,
    run: async (argv, o) => {
      const s = await open();
      return limit(() => remoteRun(s, argv, { input: o?.input, allowFailure: o?.allowFailure, timeoutMs: o?.timeoutMs }));
    },
    copyTo: async (localPath, remotePath) => {
      const s = await open();
      return limit(() => streamTo(s, localPath, remotePath));
    },
    close: async () => {
      closed = true;
      const s = await session?.catch(() => undefined);
      session = undefined;
      if (s) await endSession(s);
    },
  };
}

/** One established connection: its private files, ssh options and destination. */
interface Session {
  readonly describe: string;
  readonly dir: string;
  readonly files: SshFiles;
  readonly options: readonly string[];
  readonly destination: string;
}

/** The known_hosts text: the inventory's line, or the file it names (a path starting with / or ~/). */
async function knownHostsText(host: HostInventory): Promise<string> {
  const k = host.knownHosts?.trim() ?? "";
  if (!/^(\/|~\/)\S*$/.test(k)) return knownHostsLine(host);
  const path = k.startsWith("~/") ? join(process.env.HOME ?? "/root", k.slice(2)) : k;
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new UserError({ key: `hosts.${host.name}.knownHosts`, message: `cannot read the known-hosts file ${quoteInput(path)}: ${e.code ?? e.message}` });
  });
  return knownHostsLine({ ...host, knownHosts: text });
}

/** Makes the private dir and known_hosts, then opens the master connection with a trivial command. */
async function connect(host: HostInventory, describe: string): Promise<Session> {
  const known = await knownHostsText(host);
  const dir = await mkdtemp(join(tmpdir(), "kiln-ssh-"));
  const files: SshFiles = { knownHosts: join(dir, "known_hosts"), controlPath: join(dir, "cm") };
  const s: Session = { describe, dir, files, options: sshOptions(host, files), destination: host.address };
  try {
    await writeFile(files.knownHosts, known, { mode: 0o600 });
    const r = await run(sshArgv(s, ["true"]), { allowFailure: true, timeoutMs: 60_000 });
    if (r.exitCode !== 0) throw connectError(describe, r);
    return s;
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Says why the first connection failed, with the likely fix. */
function connectError(describe: string, r: RunResult): ToolError {
  const err = r.stderr.trim();
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/.test(err)) {
    return new ToolError(
      `${describe}: host key verification failed: the host's SSH key does not match the inventory's knownHosts entry\n${err}\nhint: check the host's key out of band (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host) and fix knownHosts`,
    );
  }
  if (/Permission denied/.test(err))
    return new ToolError(
      `${describe}: login refused (BatchMode: no password prompts)\n${err}\nhint: install the public key of identityFile in the host's authorized_keys`,
    );
  return new ToolError(`${describe}: cannot connect (exit ${r.exitCode})\n${err}`);
}

/** ssh argv running the remote `argv` through the login shell, quoted by quoteArgv. */
function sshArgv(s: Session, argv: readonly string[]): string[] {
  // "--" ends ssh's options, so a destination can never be read as one.
  return ["ssh", ...s.options, "--", s.destination, quoteArgv(argv)];
}

/** Runs remote argv; failures name the host and the remote command (not the long ssh command line). */
async function remoteRun(s: Session, argv: readonly string[], o: { input?: string | Buffer; allowFailure?: boolean; timeoutMs?: number }): Promise<RunResult> {
  let r: RunResult;
  try {
    r = await run(sshArgv(s, argv), { input: o.input, allowFailure: true, timeoutMs: o.timeoutMs });
  } catch (e) {
    const why = /timed out/.test((e as Error).message) ? `timed out after ${o.timeoutMs} ms and was killed` : (e as Error).message;
    throw new ToolError(`${s.describe}: ${showArgv(argv)}: ${why}`, { cause: e });
  }
  if (r.exitCode !== 0 && !o.allowFailure) throw new ToolError(`${s.describe}: ${describeFailure(argv, { exitCode: r.exitCode, stderr: r.stderr })}`);
  return r;
}

/** Streams a local file into `remotePath` over the shared connection (temp name, then rename). */
async function streamTo(s: Session, localPath: string, remotePath: string): Promise<void> {
  const argv = ["sh", "-c", COPY_SCRIPT, "sh", remotePath];
  const child = spawnPiped(sshArgv(s, argv));
  try {
    await Promise.all([pipeline(createReadStream(localPath), child.stdin as NodeJS.WritableStream), child]);
  } catch (e) {
    child.kill("SIGKILL");
    await Promise.resolve(child).catch(() => undefined);
    const stderr = (e as { stderr?: unknown }).stderr;
    const tail = stderr instanceof Uint8Array ? Buffer.from(stderr).toString("utf8").trim() : "";
    throw new ToolError(`${s.describe}: copying ${localPath} to ${remotePath} failed: ${tail || (e as Error).message}`, { cause: e });
  }
}

/** Ends the master connection (ssh -O exit) and removes the private dir. */
async function endSession(s: Session): Promise<void> {
  await run(["ssh", "-o", `ControlPath=${s.files.controlPath}`, "-O", "exit", "--", s.destination], { allowFailure: true, timeoutMs: 15_000 }).catch(
    () => undefined,
  );
  await rm(s.dir, { recursive: true, force: true });
}
