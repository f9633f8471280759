// Layer-cache benchmark (issue 9): in one run, with layers kept by a first bake of recipes/cam-node.toml,
// one pin moved, then one checkout revision, then one [[file]]; for each, BENCH_RUNS (3) warm bakes and
// as many cold ones (--no-cache) of the same inputs, alternating; prints the median warm bake as a share
// of the median cold one (target ≤ 20%) and checks that the warm and cold image ids are equal.
//
//   npm run build && node dist/bench/layer-cache.js          (root: mmdebstrap, chroot, unshare)
//
// Everything lives in bench/out/layer-cache/ (gitignored): a scratch project (recipes copied, fixtures
// linked) with its own lock (kiln lock: the one networked step), cache and store.
import { cp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../src/exec/run.js";
import { measure, median, type Measured } from "./bake-measure.js";
import { changeFile, type LayerProject, moveCheckout, usePinnedNext } from "./layer-inputs.js";

const TARGET = 0.2;
/** Warm and cold bakes per case (BENCH_RUNS): medians, since one bake on a shared machine is noise. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** The repository root, whether this runs from bench/ or dist/bench/. */
function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.split("/").includes("dist") ? resolve(here, "../..") : resolve(here, "..");
}

/** One bake of the scratch project (--force: never the stored image); its JSON and timing. */
async function bake(
  kilnMain: string,
  p: LayerProject,
  args: readonly string[],
): Promise<Measured & { readonly image: string; readonly resumedFrom: string | null }> {
  await run(["sync"]);
  const m = await measure([process.execPath, kilnMain, "bake", "--force", "--json", ...args], { cwd: p.dir });
  const r = JSON.parse(m.result.stdout) as { image: string; resumedFrom: string | null };
  return { ...m, ...r };
}

/** One changed input measured: warm bakes (the first resumes from the layers the bakes before left) and cold ones, alternating. */
interface Case {
  readonly warm: readonly (Measured & { readonly image: string; readonly resumedFrom: string | null })[];
  readonly cold: readonly (Measured & { readonly image: string })[];
  readonly warmS: number;
  readonly coldS: number;
  readonly share: number;
}

/**
 * RUNS warm bakes and RUNS cold bakes (--no-cache) of the current inputs, alternating. A repeated warm bake
 * does the same work as the first: it resumes after the same kept stage (the venv) and keeps nothing new.
 */
async function pairs(kilnMain: string, p: LayerProject): Promise<Case> {
  const warm: Case["warm"][number][] = [];
  const cold: Case["cold"][number][] = [];
  for (let r = 0; r < RUNS; r++) {
    warm.push(await bake(kilnMain, p, []));
    cold.push(await bake(kilnMain, p, ["--no-cache"]));
  }
  const warmS = median(warm.map((m) => m.wall));
  const coldS = median(cold.map((m) => m.wall));
  return { warm, cold, warmS, coldS, share: warmS / coldS };
}

async function main(): Promise<void> {
  const root = repoRoot();
  const kilnMain = join(root, "dist/src/main.js");
  const out = join(root, "bench/out/layer-cache");
  await rm(out, { recursive: true, force: true });
  const p: LayerProject = { dir: join(out, "p"), requirements: join(out, "p/fixtures/python/pinned.txt") };
  await mkdir(p.dir, { recursive: true });
  await cp(join(root, "recipes"), join(p.dir, "recipes"), { recursive: true, filter: (src) => !src.endsWith(".lock.json") });
  await symlink(join(root, "fixtures"), join(p.dir, "fixtures"));
  await writeFile(join(p.dir, "kiln.toml"), 'recipe = "recipes/cam-node.toml"\nfind_links = "fixtures/build/wheelhouse"\nstore = "store"\ncache = "cache"\n');
  await run(["bash", join(root, "fixtures/scripts/build-all.sh")], { timeoutMs: 600_000 });
  await run([process.execPath, kilnMain, "lock"], { cwd: p.dir, inherit: true });
  const load0 = loadavg();
  const cold = await bake(kilnMain, p, ["--no-cache"]);
  const seed = await bake(kilnMain, p, []);
  if (seed.image !== cold.image) throw new Error("the bake that kept layers differs from the cold one");
  await usePinnedNext(p);
  await run([process.execPath, kilnMain, "fetch"], { cwd: p.dir });
  const pin = await pairs(kilnMain, p);
  await moveCheckout(p, "devsim", "next");
  const rev = await pairs(kilnMain, p);
  await changeFile(p);
  const file = await pairs(kilnMain, p);
  // Every bake of a case, warm or cold, must give the same image.
  const sameId = [pin, rev, file].every((c) => new Set([...c.warm, ...c.cold].map((m) => m.image)).size === 1);
  const line = (label: string, c: Case) =>
    `${label.padEnd(40)}${`${c.warmS.toFixed(1)} s`.padStart(8)}${`${c.coldS.toFixed(1)} s`.padStart(9)}${`${(100 * c.share).toFixed(0)}%`.padStart(6)}  resumed after: ${c.warm[0]?.resumedFrom ?? "-"}`;
  const lines = [
    `load average before: ${load0.map((x) => x.toFixed(2)).join(" ")} (${cpus().length} cores, shared); medians of ${RUNS} warm and ${RUNS} cold bakes, alternating`,
    `${"".padEnd(40)}${"warm".padStart(8)}${"cold".padStart(9)}${"share".padStart(6)}`,
    line("one pin changed", pin),
    line("+ one checkout revision changed", rev),
    line("+ one [[file]] changed", file),
    `pin ${(100 * pin.share).toFixed(0)}%, revision ${(100 * rev.share).toFixed(0)}% of cold (target ≤ ${100 * TARGET}%); warm id = cold id: ${sameId}`,
    `load average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const brief = (c: Case) => ({ warmS: c.warm.map((m) => m.wall), coldS: c.cold.map((m) => m.wall), share: c.share, warmStages: c.warm[0]?.stages });
  await writeFile(
    join(out, "..", "layer-cache.json"),
    `${JSON.stringify({ seedS: seed.wall, firstColdS: cold.wall, pin: brief(pin), revision: brief(rev), file: brief(file), sameId }, null, 2)}\n`,
  );
  if (!sameId) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/layer-cache: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
