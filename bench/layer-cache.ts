// Layer-cache benchmark (issue 9): in one run, a cold `kiln bake --no-cache` of recipes/cam-node.toml,
// then (layers kept by a first bake) a warm bake with one pin moved and one with one checkout revision
// moved; prints both as a share of the cold bake (target ≤ 20%) and checks the warm ids against cold bakes.
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
import { measure, type Measured } from "./bake-measure.js";
import { changeFile, type LayerProject, moveCheckout, usePinnedNext } from "./layer-inputs.js";

const TARGET = 0.2;

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
  const pin = await bake(kilnMain, p, []);
  await moveCheckout(p, "devsim", "next");
  const rev = await bake(kilnMain, p, []);
  await changeFile(p);
  const file = await bake(kilnMain, p, []);
  const fileCold = await bake(kilnMain, p, ["--no-cache"]);
  const share = (m: Measured) => m.wall / cold.wall;
  const line = (label: string, m: Measured & { resumedFrom: string | null }) =>
    `${label.padEnd(44)}${`${m.wall.toFixed(1)} s`.padStart(9)}${`${(100 * share(m)).toFixed(0)}%`.padStart(6)}  resumed after: ${m.resumedFrom ?? "-"}`;
  const lines = [
    `load average before: ${load0.map((x) => x.toFixed(2)).join(" ")} (${cpus().length} cores, shared)`,
    line("cold bake (--no-cache)", cold),
    line("cold bake keeping layers", seed),
    line("one pin changed, warm", pin),
    line("+ one checkout revision changed, warm", rev),
    line("+ one [[file]] changed, warm", file),
    line("the same inputs, cold (--no-cache)", fileCold),
    `pin ${(100 * share(pin)).toFixed(0)}%, revision ${(100 * share(rev)).toFixed(0)}% of cold (target ≤ ${100 * TARGET}%); warm id = cold id: ${file.image === fileCold.image}`,
    `load average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const stages = (m: Measured) => m.stages;
  await writeFile(
    join(out, "..", "layer-cache.json"),
    `${JSON.stringify({ coldS: cold.wall, seedS: seed.wall, pinS: pin.wall, revisionS: rev.wall, fileS: file.wall, fileColdS: fileCold.wall, sameId: file.image === fileCold.image, stages: { cold: stages(cold), pin: stages(pin), revision: stages(rev) } }, null, 2)}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/layer-cache: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
