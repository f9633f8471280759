// The one subprocess wrapper: every external tool kiln runs goes through run() (or spawnPiped()).
// Argv arrays only (never a shell string), an explicit minimal environment, stdin closed unless
// input is given, `+ argv` echoed in verbose mode, and failures that say what happened.
import { ExecaError, execa, type ResultPromise } from "execa";
import type { Readable, Writable } from "node:stream";
import { closeSync, openSync } from "node:fs";
import { ToolError } from "../errors.js";
import { debug, isVerbose } from "../log.js";
import { bytesOf, errnoCode } from "../util/thrown.js";
import { baseEnv, describeFailure, type RunOptions, type RunResult, showArgv, which } from "./tool.js";

export { baseEnv, checkTool, describeFailure, type RunOptions, type RunResult, runBinary, showArgv, which } from "./tool.js";

/** Text of captured output (absent with `inherit`). */
function text(v: unknown, encoding: BufferEncoding): string {
  if (v === undefined) return "";
  return typeof v === "string" ? v : bytesOf(v).toString(encoding);
}

/** Runs argv with run()'s rules, stdout decoded as `encoding` ("buffer" keeps bytes); throws ToolError on failure. */
async function execute(argv: readonly string[], opts: RunOptions, encoding: "utf8" | "buffer") {
  const [file, ...args] = argv;
  if (!file) throw new ToolError("run: empty argv");
  if (isVerbose()) process.stderr.write(`+ ${showArgv(argv)}\n`);
  const r = await execa(file, args, {
    cwd: opts.cwd,
    env: baseEnv(opts.env),
    extendEnv: false,
    input: opts.input,
    stdin: opts.input === undefined ? "ignore" : "pipe",
    stdout: opts.inherit ? "inherit" : "pipe",
    stderr: opts.inherit ? "inherit" : "pipe",
    encoding,
    reject: false,
    stripFinalNewline: false,
    timeout: opts.timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 4 * 1024 * 1024 * 1024,
  });
  const stderr = text(r.stderr, "utf8");
  // allowFailure covers a plain non-zero exit only: a signal, a timeout or a missing binary still throw.
  const failed = r.failed && !(opts.allowFailure && r.exitCode !== undefined && !r.timedOut && !r.signal);
  if (failed) {
    throw new ToolError(
      describeFailure(argv, {
        exitCode: r.exitCode,
        signal: r.signal ?? undefined,
        timedOut: r.timedOut,
        stderr,
        code: errnoCode(r.cause),
      }),
      { cause: r },
    );
  }
  debug(`exit ${r.exitCode ?? "?"}: ${argv[0]}`);
  const stdout: unknown = r.stdout; // text or bytes by `encoding`: the callers below decode it
  return { exitCode: r.exitCode ?? -1, stdout, stderr };
}

/** Runs argv to completion and returns its output as text; throws ToolError on failure. */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await execute(argv, opts, "utf8");
  return { ...r, stdout: text(r.stdout, "utf8") };
}

/**
 * Starts argv with piped stdin/stdout for streaming (e.g. `zstd -T0` fed by the tar writer).
 * With `stdoutFile` the output goes straight to that file. The caller writes to `.stdin`, reads `.stdout`, and awaits the returned promise, which rejects
 * with a ToolError on failure.
 */
export function spawnPiped(argv: readonly string[], opts: Pick<RunOptions, "cwd" | "env"> & { stdoutFile?: string } = {}): ResultPromise {
  const [file, ...args] = argv;
  if (!file) throw new ToolError("spawn: empty argv");
  if (isVerbose()) process.stderr.write(`+ ${showArgv(argv)}\n`);
  // An open descriptor rather than execa's { file: path }: execa copies { file } output through
  // Node (about 0.5 s per 300 MB), while a descriptor is handed to the child, which writes the file.
  const fd = opts.stdoutFile ? openSync(opts.stdoutFile, "w") : undefined;
  const proc = execa(file, args, {
    cwd: opts.cwd,
    env: baseEnv(opts.env),
    extendEnv: false,
    stdin: "pipe",
    // execa's types list only descriptors 3–9, but it hands any descriptor number to the child.
    stdout: (fd ?? "pipe") as "pipe",
    stderr: "pipe",
    buffer: { stdout: false, stderr: true },
    encoding: "buffer",
    reject: true,
  });
  if (fd !== undefined) proc.finally(() => closeSync(fd)).catch(() => undefined);
  return proc;
}

/** How a spawnPiped() process failed (its promise rejects with an ExecaError), for describeFailure(). */
export function pipedFailure(e: unknown): { exitCode?: number; signal?: string; stderr: string; code?: string } {
  if (!(e instanceof ExecaError)) return { stderr: "", code: errnoCode(e) };
  return { exitCode: e.exitCode, signal: e.signal, stderr: text(e.stderr, "utf8"), code: errnoCode(e) };
}

/** The stdin of a spawnPiped() process: always a pipe. */
export function stdinOf(proc: ResultPromise): Writable {
  if (!proc.stdin) throw new ToolError("spawnPiped: the process has no stdin pipe");
  return proc.stdin;
}

/** The stdout of a spawnPiped() process: a pipe unless it was sent to a file. */
export function stdoutOf(proc: ResultPromise): Readable {
  if (!proc.stdout) throw new ToolError("spawnPiped: the process has no stdout pipe (it goes to a file)");
  return proc.stdout;
}

/**
 * The prefix that makes the kernel kill a command when kiln dies first (util-linux setpriv), when available:
 * a kill -9 of kiln must not leave a qemu running or a tar unpacking into a slot that --resume rebuilds.
 */
export function deathSignalPrefix(): string[] {
  const setpriv = which("setpriv");
  return setpriv ? [setpriv, "--pdeathsig", "KILL", "--"] : [];
}
