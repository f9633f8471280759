// Pack benchmark: `kiln pack` (the whole CLI process: walk, getfattr, pack, hashes, store entry with
// fsync) against `tar --sort=name ... | zstd -T0 -3` on the same real Debian rootfs, in the same
// run, alternating, BENCH_RUNS (default 5) each. Every process runs under `/usr/bin/time`: wall
// seconds, peak RSS, CPU seconds (user+sys, children included). Reported: medians and kiln/tar
// ratios. On a loaded machine wall time is noise; CPU seconds are the steadier comparison.
// Targets (issue 9): wall ≤ 1.25×, peak RSS ≤ 2×. tar and zstd are joined by one OS pipe, as in a shell.
// Also reported: the sha256 work kiln must do and tar|zstd does not (the image id over the tar stream,
// each file's digest, the template's digest), as CPU seconds of one core, and the wall ratio that work
// alone gives if kiln were exactly as parallel as tar|zstd: 1 + sha256 CPU / tar|zstd CPU. Peak RSS of
// a pipeline is its largest process (zstd for tar|zstd; node for kiln, whose zstd child is the same
// size), as `time %M` measures it.
//
//   npx tsc -p tsconfig.json && node dist/bench/pack.js          (root: mmdebstrap needs it the first time)
//   BENCH_ROOTFS=/some/rootfs node dist/bench/pack.js              (reuse an existing rootfs instead)
//
// The rootfs is made once with mmdebstrap from the host's own apt sources and kept in bench/out/
// (gitignored); delete bench/out/ to rebuild it.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkTool, type Piped, type PipedOptions, run, spawnPiped, stdoutOf } from "../src/exec/run.js";

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

/** `kiln pack` as a user runs it, into a fresh store; `manifest` is the new entry's manifest path. */
async function kilnPack(dir: string, store: string, report: string): Promise<{ m: Measure; id: string; manifest: string }> {
  rmSync(store, { recursive: true, force: true });
  const main = join(projectDir(), "dist", "src", "main.js");
  const r = await run(
    timedArgv(report, [process.execPath, main, "pack", dir, "--name", "bench", "--version", "1.0.0", "--epoch", String(EPOCH), "--store", store, "--json"]),
  );
  const printed = JSON.parse(r.stdout) as { image: string; manifest: string };
  return { m: readReport(report), id: printed.image, manifest: printed.manifest };
}

/** The tar half of `tar | zstd`: the same flags in both pipelines. */
function tarArgv(dir: string): string[] {
  return ["tar", "--sort=name", "--numeric-owner", "--xattrs", `--mtime=@${EPOCH}`, "--clamp-mtime", "-C", dir, "-cf", "-", "."];
}

const ZSTD = ["zstd", "-T0", "-q", "-3", "-c", "-"];

/** Processes started under time, each with its own report file; sum() adds them up once they are done. */
class Timed {
  private readonly reports: string[] = [];
  constructor(private readonly dir: string) {}
  start(argv: readonly string[], opts: PipedOptions = {}): Piped {
    const report = join(this.dir, `time-${this.reports.length}`);
    this.reports.push(report);
    return spawnPiped(timedArgv(report, argv), opts);
  }
  /** CPU summed and peak RSS the largest, over every process started. */
  sum(wall: number): Measure {
    const ms = this.reports.map(readReport);
    for (const r of this.reports) rmSync(r, { force: true });
    return { wall, rssMiB: Math.max(...ms.map((m) => m.rssMiB)), cpu: ms.reduce((t, m) => t + m.cpu, 0) };
  }
}

/** tar | zstd with no shell: both spawned under time, joined by one OS pipe as a shell would join them. */
async function gnuTar(dir: string, out: string, reportDir: string): Promise<Measure> {
  const t0 = performance.now();
  const t = new Timed(reportDir);
  const tar = t.start(tarArgv(dir), { stdin: "ignore" });
  await Promise.all([tar, t.start(ZSTD, { stdin: stdoutOf(tar), stdoutFile: out })]);
  return t.sum((performance.now() - t0) / 1000);
}

/**
 * The bare tools doing kiln's work: tar | tee FIFO | zstd with `openssl dgst -sha256` reading the FIFO
 * (the image id), beside it find | xargs openssl dgst over every regular file (the index's digests),
 * then openssl dgst of the compressed file (the template's digest). openssl hashes as kiln does (SHA-NI).
 */
async function sameWork(dir: string, out: string, reportDir: string): Promise<Measure> {
  const fifo = join(reportDir, "stream.fifo");
  rmSync(fifo, { force: true });
  await run(["mkfifo", fifo]);
  const t0 = performance.now();
  const t = new Timed(reportDir);
  const streamHash = t.start(["openssl", "dgst", "-sha256", fifo], { stdin: "ignore" });
  const tar = t.start(tarArgv(dir), { stdin: "ignore" });
  const tee = t.start(["tee", fifo], { stdin: stdoutOf(tar) });
  const zstd = t.start(ZSTD, { stdin: stdoutOf(tee), stdoutFile: out });
  const find = t.start(["find", dir, "-type", "f", "-print0"], { stdin: "ignore" });
  const fileHashes = t.start(["xargs", "-0", "openssl", "dgst", "-sha256"], { stdin: stdoutOf(find) });
  stdoutOf(streamHash).resume();
  stdoutOf(fileHashes).resume();
  await Promise.all([tar, tee, zstd]);
  const template = t.start(["openssl", "dgst", "-sha256", out], { stdin: "ignore" });
  stdoutOf(template).resume();
  await Promise.all([streamHash, find, fileHashes, template]);
  rmSync(fifo, { force: true });
  return t.sum((performance.now() - t0) / 1000);
}

/**
 * The bytes kiln must put through sha256, from its store entry: the tar stream (the image id), every
 * regular file's contents (the index's digests) and the compressed template (its sha256).
 */
function hashedBytes(manifestPath: string): number {
  const m = JSON.parse(readFileSync(manifestPath, "utf8")) as { tarSize: number; template: { size: number } };
  const index = readFileSync(join(dirname(manifestPath), "files.tsv"), "utf8");
  let contents = 0;
  for (const line of index.split("\n")) {
    const f = line.split("\t");
    if (f[1] === "file") contents += Number(f[5]);
  }
  return m.tarSize + contents + m.template.size;
}

/** CPU seconds one core needs to sha256 `bytes` (OpenSSL, as kiln hashes): best of three, 256 KiB updates. */
function sha256Seconds(bytes: number): number {
  const chunk = Buffer.alloc(256 << 10, 0x5a);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    const h = createHash("sha256");
    const t0 = process.cpuUsage();
    for (let done = 0; done < bytes; done += chunk.length) h.update(chunk);
    h.digest();
    const t = process.cpuUsage(t0);
    best = Math.min(best, (t.user + t.system) / 1e6);
  }
  return best;
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
  checkTool("openssl", "hash as the bare tools would (the same-work pipeline)", "apt-get install openssl");
  const out = join(projectDir(), "bench", "out");
  mkdirSync(out, { recursive: true });
  const rootfs = process.env.BENCH_ROOTFS ?? join(out, "debian-rootfs");
  if (process.env.BENCH_ROOTFS === undefined) await ensureRootfs(rootfs);
  const store = join(out, "store");
  const tarOut = join(out, "gnutar.tar.zst");
  const report = join(out, "time-kiln");
  const mb = (await treeBytes(rootfs)) / 1e6;
  process.stderr.write(`rootfs: ${rootfs} (${mb.toFixed(0)} MB); warming the page cache…\n`);
  await gnuTar(rootfs, tarOut, out);
  const [kiln, gnu, same]: [Measure[], Measure[], Measure[]] = [[], [], []];
  const ids = new Set<string>();
  let manifest = "";
  const show = (m: Measure): string => `${m.wall.toFixed(2)} s ${m.rssMiB.toFixed(0)} MiB cpu ${m.cpu.toFixed(2)} s`;
  for (let i = 0; i < RUNS; i++) {
    const k = await kilnPack(rootfs, store, report);
    ids.add(k.id);
    manifest = k.manifest;
    kiln.push(k.m);
    gnu.push(await gnuTar(rootfs, tarOut, out));
    same.push(await sameWork(rootfs, tarOut, out));
    const [g, w] = [gnu[i] as Measure, same[i] as Measure];
    process.stderr.write(`run ${i + 1}: kiln ${show(k.m)}, tar|zstd ${show(g)}, same work by bare tools ${show(w)}; load ${loadavg()[0]?.toFixed(1)}\n`);
  }
  const [kWall, gWall, kRss, gRss] = [
    median(kiln.map((r) => r.wall)),
    median(gnu.map((r) => r.wall)),
    median(kiln.map((r) => r.rssMiB)),
    median(gnu.map((r) => r.rssMiB)),
  ];
  const template = ids.size === 1 ? statSync(tarOut).size : NaN;
  const gCpu = median(gnu.map((r) => r.cpu));
  const hashed = hashedBytes(manifest);
  const hashCpu = sha256Seconds(hashed);
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
    cpuRatio: +(median(kiln.map((r) => r.cpu)) / gCpu).toFixed(3),
    targets: { wallRatio: 1.25, rssRatio: 2 },
    // The hashing tar|zstd does not do: kiln's floor is tar|zstd's CPU plus this, at best as parallel as tar|zstd.
    sha256MB: Math.round(hashed / 1e6),
    sha256CpuS: +hashCpu.toFixed(3),
    wallRatioAtTarZstdParallelism: +(1 + hashCpu / gCpu).toFixed(3),
    sameWorkWallMedianS: +median(same.map((r) => r.wall)).toFixed(3),
    sameWorkCpuMedianS: +median(same.map((r) => r.cpu)).toFixed(2),
    wallRatioToSameWork: +(kWall / median(same.map((r) => r.wall))).toFixed(3),
    gnuTarZstBytes: template,
    sameIdEveryRun: ids.size === 1,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  for (const f of [tarOut, report]) rmSync(f, { force: true });
  rmSync(store, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/pack: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
