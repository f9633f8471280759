// Registry benchmark: kiln push / pull of one stored image against `skopeo copy` of the same image, in
// the same run, alternating, BENCH_RUNS (default 3) each, plus the export / import round trip. Every
// side is a whole process (node start, verification, import included) under /usr/bin/time: wall seconds
// and CPU seconds (user + sys, children included; the steadier figure on a loaded machine). Each run
// gets a fresh docker-registry on loopback (test/support/registry-lab.ts), so neither tool finds blobs
// the other uploaded (skopeo's blob cache would otherwise mount them). Target (issue 11): ≤ 1.2×.
//
//   npx tsc -p tsconfig.json && BENCH_STORE=/path/store [BENCH_IMAGE=REF] [BENCH_KILN=other/dist/src/main.js] node dist/bench/registry.js
//
// skopeo pushes the same OCI layout kiln writes with --compression zstd (the layer is the stored template
// byte for byte, as kiln push sends it), and pulls into an OCI layout directory (no verification of the
// layer against a diff_id, no store import: what kiln pull does on top).
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildProcess } from "node:child_process";
import { run } from "../src/exec/run.js";
import { startRegistry } from "../test/support/registry-lab.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const here = dirname(fileURLToPath(import.meta.url));
/** The kiln under test: this tree's build, or BENCH_KILN (another build's dist/src/main.js, for a before/after). */
const cli = process.env.BENCH_KILN ?? resolve(here, here.split("/").includes("dist") ? "../src/main.js" : "../dist/src/main.js");

/** Wall and CPU (user + sys, children included) ms of one command under /usr/bin/time (it must succeed). */
async function timed(argv: readonly string[]): Promise<{ wall: number; cpu: number }> {
  const r = await run(["/usr/bin/time", "-f", "@@time %e %U %S", ...argv], { allowFailure: true });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${r.exitCode}: ${r.stderr}`);
  const [wall, user, sys] = (/@@time (\S+) (\S+) (\S+)/.exec(r.stderr) ?? []).slice(1).map(Number);
  return { wall: (wall ?? 0) * 1000, cpu: ((user ?? 0) + (sys ?? 0)) * 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const kiln = (store: string, ...args: string[]) => [process.execPath, cli, "--store", store, ...args];

/** One alternating run on a fresh registry: each side's ms. */
async function once(o: { tmp: string; store: string; hex: string; layout: string; i: number }): Promise<Record<string, { wall: number; cpu: number }>> {
  const procs: ChildProcess[] = [];
  const dir = join(o.tmp, `run${o.i}`);
  try {
    const reg = await startRegistry({ dir: join(dir, "registry"), procs });
    const out: Record<string, { wall: number; cpu: number }> = {};
    out.skopeoPush = await timed(["skopeo", "copy", "-q", "--dest-tls-verify=false", `oci:${o.layout}:${o.hex}`, `docker://${reg}/sk/t:1`]);
    out.kilnPush = await timed(kiln(o.store, "push", o.hex, `${reg}/kiln/t:1`));
    out.skopeoPull = await timed(["skopeo", "copy", "-q", "--src-tls-verify=false", `docker://${reg}/kiln/t:1`, `oci:${join(dir, "sk-pulled")}:x`]);
    out.kilnPull = await timed(kiln(join(dir, "pulled"), "pull", `${reg}/kiln/t:1`));
    out.export = await timed(kiln(o.store, "export", o.hex, "-o", join(dir, "bundle.tar")));
    out.import = await timed(kiln(join(dir, "imported"), "import", join(dir, "bundle.tar")));
    return out;
  } finally {
    for (const p of procs) p.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the benchmark and prints medians and ratios. */
async function main(): Promise<void> {
  const store = resolve(process.env.BENCH_STORE ?? "");
  if (!process.env.BENCH_STORE) throw new Error("set BENCH_STORE to a store holding the image (and BENCH_IMAGE to its REF if it holds several)");
  const hex = process.env.BENCH_IMAGE ?? ((await readdir(join(store, "images")))[0] as string);
  const tmp = await mkdtemp(join(tmpdir(), "kiln-bench-registry-"));
  try {
    const layout = join(tmp, "layout");
    await timed(kiln(store, "oci", hex, "--out", layout, "--compression", "zstd"));
    const runs: Record<string, { wall: number; cpu: number }>[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await once({ tmp, store, hex, layout, i }));
    const m = (k: string, what: "wall" | "cpu") => median(runs.map((r) => r[k]?.[what] as number));
    const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const line = (what: "wall" | "cpu") =>
      `${what}: push kiln ${fmt(m("kilnPush", what))} / skopeo ${fmt(m("skopeoPush", what))} = ${(m("kilnPush", what) / m("skopeoPush", what)).toFixed(2)}×; ` +
      `pull kiln ${fmt(m("kilnPull", what))} / skopeo ${fmt(m("skopeoPull", what))} = ${(m("kilnPull", what) / m("skopeoPull", what)).toFixed(2)}×; ` +
      `export ${fmt(m("export", what))} + import ${fmt(m("import", what))} = ${fmt(m("export", what) + m("import", what))}`;
    console.log(`image ${hex.slice(0, 12)}, ${RUNS} runs, medians of whole processes (load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs):`);
    console.log(line("wall"));
    console.log(line("cpu"));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
