// Logging: everything human goes to stderr so that `--json` output on stdout stays one document.

let verbose = process.env.KILN_VERBOSE === "1";

/** Turns on `+ argv` echo and debug lines. */
export function setVerbose(v: boolean): void {
  verbose = v;
}

export function isVerbose(): boolean {
  return verbose;
}

/** A plain informational line on stderr. */
export function info(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** A warning line on stderr. */
export function warn(msg: string): void {
  process.stderr.write(`warning: ${msg}\n`);
}

/** A debug line, only in verbose mode. */
export function debug(msg: string): void {
  if (verbose) process.stderr.write(`debug: ${msg}\n`);
}

/**
 * Runs one named step and reports it: on a TTY a live line with elapsed time, replaced when done;
 * elsewhere (CI) one plain line when it ends. Returns the step's value and how long it took.
 */
export async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const tty = process.stderr.isTTY === true && !verbose;
  let timer: NodeJS.Timeout | undefined;
  if (tty) {
    const draw = () => process.stderr.write(`\r\x1b[2K… ${name} ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    draw();
    timer = setInterval(draw, 200);
  }
  try {
    const v = await fn();
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    if (tty) process.stderr.write(`\r\x1b[2K✓ ${name} ${s}s\n`);
    else process.stderr.write(`${name}: ok (${s}s)\n`);
    return v;
  } catch (e) {
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    if (tty) process.stderr.write(`\r\x1b[2K✗ ${name} ${s}s\n`);
    else process.stderr.write(`${name}: failed (${s}s)\n`);
    throw e;
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** Seconds since `t0` (a performance.now() reading), one decimal: how stage timings are recorded. */
export function secondsSince(t0: number): number {
  return Math.round((performance.now() - t0) / 100) / 10;
}

/** Runs `fn` and hands its wall time (secondsSince) to `record`, whether it succeeds or fails. */
export async function timed<T>(fn: () => Promise<T>, record: (seconds: number) => void): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    record(secondsSince(t0));
  }
}
