// The one subprocess wrapper: every external tool kiln runs goes through run(), runBinary() or
// spawnPiped(). Argv arrays only (never a shell string), an explicit minimal environment, stdin closed
// unless input is given, `+ argv` echoed in verbose mode, and failures that say what happened.
// run() is execa's, loaded on its first call; the streaming spawns are node:child_process (spawn.ts).
import type { Options } from "execa";
import { ToolError } from "../errors.js";
import { debug, isVerbose } from "../log.js";
import { bytesOf, errnoCode } from "../util/thrown.js";
import { baseEnv, describeFailure, type RunOptions, type RunResult, showArgv, which } from "./tool.js";

export { baseEnv, checkTool, describeFailure, type RunOptions, type RunResult, showArgv, which } from "./tool.js";
export { type Failure, type Piped, PipedError, type PipedOptions, pipedFailure, runBinary, spawnPiped, stdinOf, stdoutOf } from "./spawn.js";

/** execa, imported once run() first needs it: ~100 modules that a command spawning nothing never loads. */
let execaModule: Promise<typeof import("execa")> | undefined;

/** execa's module, imported on first use. */
function loadExeca(): Promise<typeof import("execa")> {
  execaModule ??= import("execa");
  return execaModule;
}

/** Text of captured output (absent with `inherit`). */
function text(v: unknown, encoding: BufferEncoding): string {
  if (v === undefined) return "";
  return typeof v === "string" ? v : bytesOf(v).toString(encoding);
}

/** Runs argv to completion and returns its output as text; throws ToolError on failure. */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new ToolError("run: empty argv");
  if (isVerbose()) process.stderr.write(`+ ${showArgv(argv)}\n`);
  const { execa } = await loadExeca();
  const options: Options = {
    cwd: opts.cwd,
    env: baseEnv(opts.env),
    extendEnv: false,
    input: opts.input,
    stdin: opts.input === undefined ? "ignore" : "pipe",
    stdout: opts.inherit ? "inherit" : "pipe",
    stderr: opts.inherit ? "inherit" : "pipe",
    encoding: "utf8",
    reject: false,
    stripFinalNewline: false,
    timeout: opts.timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 4 * 1024 * 1024 * 1024,
  };
  const r = await execa(file, args, options);
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
  return { exitCode: r.exitCode ?? -1, stdout: text(r.stdout, "utf8"), stderr };
}

/**
 * The prefix that makes the kernel kill a command when kiln dies first (util-linux setpriv), when available:
 * a kill -9 of kiln must not leave a qemu running or a tar unpacking into a slot that --resume rebuilds.
 */
export function deathSignalPrefix(): string[] {
  const setpriv = which("setpriv");
  return setpriv ? [setpriv, "--pdeathsig", "KILL", "--"] : [];
}
