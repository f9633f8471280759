// Pack benchmark: `kiln pack` (the whole CLI process: walk, getfattr, pack, hashes, store entry with
// fsync) against `tar --sort=name ... | zstd -T0 -3` on the same real Debian rootfs, in the same
// run, alternating, BENCH_RUNS (default 5) each. Every process runs under `/usr/bin/time`: wall
// seconds, peak RSS, CPU seconds (user+sys, children included). Reported: medians and kiln/tar
// ratios. On a loaded machine wall time is noise; CPU seconds are the steadier comparison.
// Targets (issue 9): wall ≤ 1.25×, peak RSS ≤ 2×. Peak RSS of a pipeline is its largest process
// (zstd for tar|zstd; node for kiln, whose zstd child is the same size), as `time %M` measures it.
//
//   npx tsc -p tsconfig.json && node dist/bench/pack.js          (root: mmdebstrap needs it the first time)
//   BENCH_ROOTFS=/some/rootfs node dist/bench/pack.js              (reuse an existing rootfs instead)
//
// The rootfs is made once with mmdebstrap from the host's own apt sources and kept in bench/out/
// (gitignored); delete bench/out/ to rebuild it.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkTool, run, spawnPiped, stdoutOf } from "../src/exec/run.js";

const EPOCH = 1_700_000_000;
/** Runs of each side (alternating); BENCH_RUNS overrides, for a noisy machine. */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** The project root, whether run from bench/ or dist/bench/. */
function projectDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.split("/").includes("dist") ? resolve(here, "../..") : resolve(here, "..");
}
/** Makes the rootfs once (~300 MB: variant important plus python3); reuses it afterwards. */
async function ensureRootfs(dir: string): Promise<void> {
  const done = `${dir}.done`;
  if (existsSync(done)) return;
  checkTool("mmdebstrap", "build the benchmark rootfs", "apt-get install mmdebstrap");
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`making ${dir} with mmdebstrap (about a minute)…\n`);
  // No mirror argument: mmdebstrap then uses the host's own apt sources.
  await run(["mmdebstrap", "--variant=important", "--include=python3", "bookworm", dir], { inherit: true });
  writeFileSync(done, "");
}

/** One measured process: wall seconds, peak RSS (MiB) and CPU seconds as /usr/bin/time reports them. */
interface Measure {
  readonly wall: number;
  readonly rssMiB: number;
  readonly cpu: number;
}

/** argv prefixed with /usr/bin/time writing "%e %M %U %S" to `report`. */
function timedArgv(report: string, argv: readonly string[]): string[] {
  return ["/usr/bin/time", "-o", report, "-f", "%e %M %U %S", ...argv];
}

/** Reads a /usr/bin/time report: "seconds KiB user sys". */
function readReport(report: string): Measure {
  const [wall, kib, user, sys] = readFileSync(report, "utf8").trim().split(/\s+/).slice(-4).map(Number);
  return { wall: wall ?? NaN, rssMiB: (kib ?? NaN) / 1024, cpu: (user ?? NaN) + (sys ?? NaN) };
}

/** `kiln pack` as a user runs it, into a fresh store. */
async function kilnPack(dir: string, store: string, report: string): Promise<{ m: Measure; id: string }> {
  rmSync(store, { recursive: true, force: true });
  const main = join(projectDir(), "dist", "src", "main.js");
  const r = await run(
    timedArgv(report, [process.execPath, main, "pack", dir, "--name", "bench", "--version", "1.0.0", "--epoch", String(EPOCH), "--store", store, "--json"]),
  );
  return { m: readReport(report), id: (JSON.parse(r.stdout) as { image: string }).image };
}

/** tar | zstd with no shell: both spawned under time, joined by one OS pipe as a shell would join them. */
async function gnuTar(dir: string, out: string, reports: readonly [string, string]): Promise<Measure> {
  const t0 = performance.now();
  const tar = spawnPiped(
    timedArgv(reports[0], ["tar", "--sort=name", "--numeric-owner", "--xattrs", `--mtime=@${EPOCH}`, "--clamp-mtime", "-C", dir, "-cf", "-", "."]),
    { stdin: "ignore" },
  );
  const zstd = spawnPiped(timedArgv(reports[1], ["zstd", "-T0", "-q", "-3", "-c", "-"]), { stdin: stdoutOf(tar), stdoutFile: out });
  await Promise.all([tar, zstd]);
  const wall = (performance.now() - t0) / 1000;
  const [a, b] = [readReport(reports[0]), readReport(reports[1])];
  return { wall, rssMiB: Math.max(a.rssMiB, b.rssMiB), cpu: a.cpu + b.cpu };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Sum of file sizes in the tree, as `du -sb` counts them. */
async function treeBytes(dir: string): Promise<number> {
  const r = await run(["du", "-sb", dir]);
  return Number(r.stdout.split("\t")[0]);
}

async function main(): Promise<void> {
  checkTool("zstd", "run the benchmark", "apt-get install zstd");
  checkTool("time", "measure wall time and peak memory", "apt-get install time");
  const out = join(projectDir(), "bench", "out");
  mkdirSync(out, { recursive: true });
  const rootfs = process.env.BENCH_ROOTFS ?? join(out, "debian-rootfs");
  if (process.env.BENCH_ROOTFS === undefined) await ensureRootfs(rootfs);
  const store = join(out, "store");
  const tarOut = join(out, "gnutar.tar.zst");
  const reports = [join(out, "time-a"), join(out, "time-b")] as const;
  const mb = (await treeBytes(rootfs)) / 1e6;
  process.stderr.write(`rootfs: ${rootfs} (${mb.toFixed(0)} MB); warming the page cache…\n`);
  await gnuTar(rootfs, tarOut, reports);
  const kiln: Measure[] = [];
  const gnu: Measure[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    const k = await kilnPack(rootfs, store, reports[0]);
    ids.add(k.id);
    const g = await gnuTar(rootfs, tarOut, reports);
    kiln.push(k.m);
    gnu.push(g);
    process.stderr.write(
      `run ${i + 1}: kiln ${k.m.wall.toFixed(2)} s ${k.m.rssMiB.toFixed(0)} MiB cpu ${k.m.cpu.toFixed(2)} s, tar|zstd ${g.wall.toFixed(2)} s ${g.rssMiB.toFixed(0)} MiB cpu ${g.cpu.toFixed(2)} s; load ${loadavg()[0]?.toFixed(1)}\n`,
    );
  }
  const [kWall, gWall, kRss, gRss] = [
    median(kiln.map((r) => r.wall)),
    median(gnu.map((r) => r.wall)),
    median(kiln.map((r) => r.rssMiB)),
    median(gnu.map((r) => r.rssMiB)),
  ];
  const template = ids.size === 1 ? statSync(tarOut).size : NaN;
  const result = {
    rootfsMB: Math.round(mb),
    runs: RUNS,
    cores: cpus().length,
    kilnWallMedianS: +kWall.toFixed(3),
    gnuTarWallMedianS: +gWall.toFixed(3),
    wallRatio: +(kWall / gWall).toFixed(3),
    kilnPeakRssMedianMiB: Math.round(kRss),
    gnuTarPeakRssMedianMiB: Math.round(gRss),
    rssRatio: +(kRss / gRss).toFixed(3),
    kilnCpuMedianS: +median(kiln.map((r) => r.cpu)).toFixed(2),
    gnuTarCpuMedianS: +median(gnu.map((r) => r.cpu)).toFixed(2),
    cpuRatio: +(median(kiln.map((r) => r.cpu)) / median(gnu.map((r) => r.cpu))).toFixed(3),
    targets: { wallRatio: 1.25, rssRatio: 2 },
    gnuTarZstBytes: template,
    sameIdEveryRun: ids.size === 1,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  for (const f of [tarOut, ...reports]) rmSync(f, { force: true });
  rmSync(store, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/pack: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
