// Pack benchmark: kiln's packTree against `tar --sort=name ... | zstd -T0 -3` on the same real
// Debian rootfs, in the same run, 3 runs each (alternating), medians and their ratio.
// Target (issue 2): kiln ≤ 1.25× GNU tar's wall time.
//
//   npm run build && node dist/bench/pack.js          (root: mmdebstrap needs it the first time)
//
// The rootfs is made once with mmdebstrap from the host's own apt sources and kept in bench/out/
// (gitignored); delete bench/out/ to rebuild it.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Readable, Writable } from "node:stream";
import { diskSource, packTree } from "../src/archive/index.js";
import { checkTool, run, spawnPiped } from "../src/exec/run.js";

const EPOCH = 1_700_000_000;
/** Runs of each side (alternating); BENCH_RUNS overrides, for a noisy machine. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** bench/out/ beside this script's source, whether run from bench/ or dist/bench/. */
function outDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const project = here.split("/").includes("dist") ? resolve(here, "../..") : resolve(here, "..");
  return join(project, "bench", "out");
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

/** Runs tar | zstd with no shell: both spawned, tar's stdout piped into zstd's stdin here. */
async function gnuTar(dir: string, out: string): Promise<void> {
  const tar = spawnPiped(["tar", "--sort=name", "--numeric-owner", "--xattrs", `--mtime=@${EPOCH}`, "--clamp-mtime", "-C", dir, "-cf", "-", "."]);
  const zstd = spawnPiped(["zstd", "-T0", "-q", "-3", "-c", "-"], { stdoutFile: out });
  (tar.stdin as Writable).end();
  (tar.stdout as Readable).pipe(zstd.stdin as Writable);
  await Promise.all([tar, zstd]);
}

/** CPU seconds used so far by this process and by its finished children (from /proc/self/stat). */
function cpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0); // utime stime cutime cstime
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** Wall and CPU (this process + children) seconds of fn. */
async function timed(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = cpuSeconds();
  await fn();
  return { wall: (performance.now() - t0) / 1000, cpu: cpuSeconds() - c0 };
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
  const out = outDir();
  mkdirSync(out, { recursive: true });
  const rootfs = join(out, "debian-rootfs");
  await ensureRootfs(rootfs);
  const kilnOut = join(out, "kiln.tar.zst");
  const tarOut = join(out, "gnutar.tar.zst");
  const mb = (await treeBytes(rootfs)) / 1e6;
  process.stderr.write(`rootfs: ${rootfs} (${mb.toFixed(0)} MB); warming the page cache…\n`);
  await gnuTar(rootfs, tarOut);
  const kiln: { wall: number; cpu: number }[] = [];
  const gnu: { wall: number; cpu: number }[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    const k = await timed(async () => ids.add((await packTree(diskSource(rootfs), { epoch: EPOCH, compression: { kind: "zstd", level: 3 }, out: kilnOut })).id));
    const g = await timed(() => gnuTar(rootfs, tarOut));
    kiln.push(k);
    gnu.push(g);
    process.stderr.write(`run ${i + 1}: kiln ${k.wall.toFixed(2)} s (cpu ${k.cpu.toFixed(2)}), tar|zstd ${g.wall.toFixed(2)} s (cpu ${g.cpu.toFixed(2)}); load ${loadavg()[0]?.toFixed(1)}\n`);
  }
  const kilnWall = median(kiln.map((r) => r.wall));
  const gnuWall = median(gnu.map((r) => r.wall));
  const ratio = kilnWall / gnuWall;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const result = {
    rootfsMB: Math.round(mb),
    kilnMedianS: +kilnWall.toFixed(3),
    gnuTarMedianS: +gnuWall.toFixed(3),
    ratio: +ratio.toFixed(3),
    kilnCpuMedianS: +median(kiln.map((r) => r.cpu)).toFixed(2),
    gnuTarCpuMedianS: +median(gnu.map((r) => r.cpu)).toFixed(2),
    cores: cpus().length,
    target: 1.25,
    kilnPeakRssMB: Math.round(peakRssMb),
    kilnZstBytes: statSync(kilnOut).size,
    gnuTarZstBytes: statSync(tarOut).size,
    sameIdEveryRun: ids.size === 1,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  rmSync(kilnOut, { force: true });
  rmSync(tarOut, { force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/pack: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
