// Measuring helpers of the bake benchmark: wall and CPU time of a child, stage lines, medians.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { run, type RunOptions, type RunResult } from "../src/exec/run.js";

/** One timed child run: wall seconds, CPU seconds of the child tree, its stage times, its output. */
export interface Measured {
  readonly wall: number;
  readonly cpu: number;
  /** Seconds per stage, from the `<side> › <stage>: ok (Ns)` lines on its stderr, in order. */
  readonly stages: readonly { readonly name: string; readonly seconds: number }[];
  readonly result: RunResult;
}

/** CPU seconds of this process's reaped children (cutime + cstime in /proc/self/stat). */
function childCpuSeconds(): number {
  const after = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  // Fields after "comm)": index 13 is cutime, 14 cstime, in USER_HZ (100 on Linux).
  return (Number(after[13] ?? 0) + Number(after[14] ?? 0)) / 100;
}

/** The `kiln bake` / baseline stage lines of a stderr text. */
export function stageLines(stderr: string): { name: string; seconds: number }[] {
  const out: { name: string; seconds: number }[] = [];
  for (const line of stderr.split("\n")) {
    const m = /^(?:bake|script) › (.+): ok \(([\d.]+)s\)$/.exec(line);
    if (m) out.push({ name: m[1] as string, seconds: Number(m[2]) });
  }
  return out;
}

/** Runs argv to completion (through run(), so with the same minimal environment) and times it. */
export async function measure(argv: readonly string[], opts: RunOptions = {}): Promise<Measured> {
  const c0 = childCpuSeconds();
  const t0 = performance.now();
  const result = await run(argv, opts);
  const wall = (performance.now() - t0) / 1000;
  return { wall, cpu: childCpuSeconds() - c0, stages: stageLines(result.stderr), result };
}

/** The median (the lower middle one of an even count, so it is always a measured value). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
}

/** Sum of the named stages' seconds in one run. */
export function stageSum(m: Pick<Measured, "stages">, names: readonly string[]): number {
  return m.stages.filter((s) => names.includes(s.name)).reduce((a, s) => a + s.seconds, 0);
}

/** The repository root, whether a benchmark runs from bench/ or dist/bench/. */
export function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.split("/").includes("dist") ? resolve(here, "../..") : resolve(here, "..");
}
