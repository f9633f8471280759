// Processes kiln streams into or out of, on node:child_process: spawnPiped() (a child whose stdin kiln
// writes and whose stdout it reads, or sends straight to a file) and runBinary() (a run to completion that
// keeps stdout as bytes). They follow run()'s rules (tool.ts) and need nothing from execa, so `kiln pack`
// starts its listing (find, getfattr) and its compressor (zstd) without waiting ~55 ms for execa to load.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { onExit } from "signal-exit";
import { ToolError } from "../errors.js";
import { debug, isVerbose } from "../log.js";
import { errnoCode } from "../util/thrown.js";
import { baseEnv, describeFailure, type ProcessFailure, type RunOptions, showArgv } from "./tool.js";

/** How a spawnPiped() process failed, its stderr's tail always there (empty when it never started). */
export interface Failure extends ProcessFailure {
  readonly stderr: string;
}

/** A spawnPiped() process that failed: the message says how, `failure` holds the parts. */
export class PipedError extends ToolError {
  constructor(
    argv: readonly string[],
    readonly failure: Failure,
  ) {
    super(describeFailure(argv, failure));
  }
}

/** A started process: a promise of its successful end (else it rejects with a PipedError), and its pipes. */
export type Piped = Promise<void> & {
  readonly pid: number | undefined;
  /** A pipe unless the options closed stdin. */
  readonly stdin: Writable | null;
  /** A pipe unless stdout goes to a file. */
  readonly stdout: Readable | null;
  kill(signal?: NodeJS.Signals): boolean;
};

export interface PipedOptions extends Pick<RunOptions, "cwd" | "env" | "timeoutMs"> {
  /** stdout goes straight to this file (created or truncated): the child writes it, not Node. */
  readonly stdoutFile?: string;
  /**
   * "ignore" closes stdin; a spawnPiped() process's stdout joins the two with one OS pipe, as a
   * shell's `a | b` does (no byte passes through Node); default: a pipe the caller writes and ends.
   */
  readonly stdin?: "pipe" | "ignore" | Readable;
}

/** stderr kept for the failure message: its end, where tools say what went wrong. */
const STDERR_KEEP = 64 << 10;

/** Collects the last STDERR_KEEP bytes of a stream. */
function stderrTail(stream: Readable | null): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  stream?.on("data", (b: Buffer) => {
    chunks.push(b);
    size += b.length;
    while (size - (chunks[0]?.length ?? 0) >= STDERR_KEEP) size -= chunks.shift()?.length ?? 0;
  });
  return () => Buffer.concat(chunks).subarray(-STDERR_KEEP).toString("utf8");
}

/**
 * Starts argv (no shell, the minimal environment, `+ argv` in verbose mode) with stdin and stdout as
 * pipes, or stdout into `stdoutFile`. The caller writes `.stdin`, reads `.stdout`, and awaits the
 * result, which settles once the process has exited and its pipes are closed.
 */
export function spawnPiped(argv: readonly string[], opts: PipedOptions = {}): Piped {
  const [file, ...args] = argv;
  if (!file) throw new ToolError("spawn: empty argv");
  if (isVerbose()) process.stderr.write(`+ ${showArgv(argv)}\n`);
  const fd = opts.stdoutFile === undefined ? undefined : openSync(opts.stdoutFile, "w");
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(file, args, { cwd: opts.cwd, env: baseEnv(opts.env), stdio: [opts.stdin ?? "pipe", fd ?? "pipe", "pipe"] });
  } finally {
    // spawn() returns once the child has its own copies (or failed to start).
    if (fd !== undefined) closeSync(fd);
    if (typeof opts.stdin === "object") opts.stdin.destroy();
  }
  // As execa's cleanup does: a child does not outlive kiln's exit, a SIGINT or a SIGTERM (kill -9 cannot
  // be caught: there, tools that matter get deathSignalPrefix()'s pdeathsig, and zstd sees its input end).
  const forget = onExit(() => void child.kill());
  const stderr = stderrTail(child.stderr);
  let timedOut = false;
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, opts.timeoutMs);
  const done = new Promise<void>((resolve, reject) => {
    // Not started (ENOENT, EACCES): "close" may follow, but the promise has settled.
    child.on("error", (e) => {
      clearTimeout(timer);
      forget();
      reject(new PipedError(argv, { stderr: "", code: errnoCode(e) }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      forget();
      if (code === 0) resolve();
      else reject(new PipedError(argv, { exitCode: code ?? undefined, signal: signal ?? undefined, timedOut, stderr: stderr() }));
    });
  });
  return Object.assign(done, { pid: child.pid, stdin: child.stdin, stdout: child.stdout, kill: (s?: NodeJS.Signals) => child.kill(s) });
}

/** How a spawnPiped() process failed, for describeFailure() (an error that is no PipedError: its errno). */
export function pipedFailure(e: unknown): Failure {
  return e instanceof PipedError ? e.failure : { stderr: "", code: errnoCode(e) };
}

/** The stdin of a spawnPiped() process started with one. */
export function stdinOf(proc: Piped): Writable {
  if (!proc.stdin) throw new ToolError("spawnPiped: the process has no stdin pipe");
  return proc.stdin;
}

/** The stdout of a spawnPiped() process whose output is not sent to a file. */
export function stdoutOf(proc: Piped): Readable {
  if (!proc.stdout) throw new ToolError("spawnPiped: the process has no stdout pipe (it goes to a file)");
  return proc.stdout;
}

/**
 * Runs argv to completion and returns its stdout as bytes; throws ToolError on failure (with
 * allowFailure, only on a signal, a timeout or a missing binary): run()'s rules and messages.
 */
export async function runBinary(argv: readonly string[], opts: Omit<RunOptions, "inherit"> = {}): Promise<Buffer> {
  const proc = spawnPiped(argv, { cwd: opts.cwd, env: opts.env, timeoutMs: opts.timeoutMs, stdin: opts.input === undefined ? "ignore" : "pipe" });
  const out: Buffer[] = [];
  proc.stdout?.on("data", (b: Buffer) => out.push(b));
  proc.stdin?.on("error", () => undefined); // a tool that exits without reading its input fails on its own
  proc.stdin?.end(opts.input);
  let exitCode = 0;
  try {
    await proc;
  } catch (e) {
    const f = pipedFailure(e);
    if (!(opts.allowFailure && f.exitCode !== undefined && !f.timedOut && !f.signal)) throw e;
    exitCode = f.exitCode;
  }
  debug(`exit ${exitCode}: ${argv[0]}`);
  return Buffer.concat(out);
}
