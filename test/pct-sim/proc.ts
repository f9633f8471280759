// The simulator's own subprocess helper (kiln's src/exec/run.ts is code under test, so it is not reused):
// argv arrays only, a minimal environment, stdin closed unless input is given, failures as errors that
// carry the tool's stderr, as PVE::Tools::run_command reports them.
import { execa, type ResultPromise } from "execa";

export interface SimRunOptions {
  /** Bytes for stdin; without it stdin is closed. */
  readonly input?: Buffer | string;
  /** Return a non-zero exit instead of throwing. */
  readonly allowFailure?: boolean;
  /** Kill after this many milliseconds. */
  readonly timeoutMs?: number;
}

/** The environment every tool runs with: PATH from ours, a C UTF-8 locale. */
function env(): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", LC_ALL: "C.UTF-8", HOME: process.env.HOME ?? "/root" };
}

/** Runs argv to completion; throws "command '<argv>' failed: <why>" with the stderr unless allowFailure covers a plain non-zero exit. */
export async function run(argv: readonly string[], o: SimRunOptions = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const [file, ...args] = argv;
  if (!file) throw new Error("run: empty argv");
  const r = await execa(file, args, {
    env: env(),
    extendEnv: false,
    input: o.input,
    stdin: o.input === undefined ? "ignore" : "pipe",
    reject: false,
    stripFinalNewline: false,
    timeout: o.timeoutMs,
    killSignal: "SIGKILL",
  });
  const exitCode = r.exitCode ?? -1;
  const plainExit = r.exitCode !== undefined && !r.timedOut && !r.signal;
  if (r.failed && !(o.allowFailure && plainExit)) {
    const why = r.timedOut ? "timed out" : r.signal ? `got signal ${r.signal}` : r.exitCode === undefined ? "not found" : `exit code ${r.exitCode}`;
    throw new Error(`${r.stderr}${r.stderr && !r.stderr.endsWith("\n") ? "\n" : ""}command '${argv.join(" ")}' failed: ${why}`);
  }
  return { exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** Starts argv with piped stdin/stdout for streaming; the promise rejects when it fails (stderr kept as bytes). */
export function spawnPiped(argv: readonly string[]): ResultPromise {
  const [file, ...args] = argv;
  if (!file) throw new Error("spawn: empty argv");
  return execa(file, args, {
    env: env(),
    extendEnv: false,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    encoding: "buffer",
    buffer: { stdout: false, stderr: true },
  });
}
