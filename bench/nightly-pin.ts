// Nightly benchmark, one pin changed (issue 9): three nights of `kiln nightly` (Toy-KAT) in one run, with a
// warm artifact cache, into one store, layer cache and nights directory:
//   night 1  fixtures/python/pinned.txt, cold store and layer cache (keeps the bake's layers)
//   night 2  fixtures/python/pinned-next.txt (kat-sensors 0.4.0 → 0.4.1): must bake warm (resumed from a
//            layer), give a new image, build and boot its VM; target ≤ 180 s, TCG boot included
//   night 3  nothing changed: the stored image, the night-2 disks and boot result reused; target ≤ 10 s
//            (once in this process, once more as a `kiln nightly` child dated today, node's start included)
// Prints every night's stages (bake's and vm's steps, the boot test) and the load average.
//
//   npx tsc -p tsconfig.json && node dist/bench/nightly-pin.js      (root: mmdebstrap, unshare, qemu)
//
// Everything lives in bench/out/nightly-pin/ (gitignored): a scratch project p/ (recipes and committed
// locks copied, fixtures linked), its artifact cache (kept between runs; its layers/ are not), store and
// nights. The bench builds the fixture wheelhouse and runs `kiln fetch`; when the committed lock has aged
// (exit 2) it runs `kiln lock --update` in the scratch copy first (networked, about a minute). pinned-next's
// lock is the scratch lock with the one wheel moved (bench/layer-inputs.ts); no tracked file is changed.
import { cp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { run } from "../src/exec/run.js";
import { runNightly } from "../src/nightly/nightly.js";
import type { NightlyReport } from "../src/nightly/types.js";
import { loadRecipe } from "../src/recipe/load.js";
import { measure, repoRoot } from "./bake-measure.js";
import { type LayerProject, usePinnedNext } from "./layer-inputs.js";
import { stageRows } from "./nightly-rows.js";

const PIN_TARGET_S = 180;
const SAME_TARGET_S = 10;
const RECIPE = "recipes/toy-kat.toml";

/** Makes the scratch project `dir` (cache ../cache, store ../store) and fills the cache for its lock. */
async function scratchProject(root: string, out: string): Promise<LayerProject> {
  const kiln = (args: readonly string[], allowFailure = false) =>
    run([process.execPath, join(root, "dist/src/main.js"), ...args], { cwd: p.dir, allowFailure, timeoutMs: 900_000 });
  const p: LayerProject = { dir: join(out, "p"), recipe: RECIPE, requirements: join(out, "p/fixtures/python/pinned.txt") };
  await mkdir(p.dir, { recursive: true });
  await cp(join(root, "recipes"), join(p.dir, "recipes"), { recursive: true });
  await symlink(join(root, "fixtures"), join(p.dir, "fixtures"));
  await writeFile(join(p.dir, "kiln.toml"), `recipe = "${RECIPE}"\nfind_links = "fixtures/build/wheelhouse"\nstore = "../store"\ncache = "../cache"\n`);
  await run(["bash", join(root, "fixtures/scripts/build-all.sh")], { timeoutMs: 600_000 });
  const fetched = await kiln(["fetch"], true);
  if (fetched.exitCode === 2) {
    process.stdout.write("the committed lock has aged: kiln lock --update in the scratch copy\n");
    await kiln(["lock", "--update"]);
    await kiln(["fetch"]);
  } else if (fetched.exitCode !== 0) throw new Error(`kiln fetch failed: ${fetched.stderr.trim()}`);
  return p;
}

/** One night of the scratch project's recipe, dated `day` (UTC), with `requirements` (else the recipe's). */
async function night(p: LayerProject, out: string, day: string, requirements?: string): Promise<NightlyReport> {
  await run(["sync"]);
  const recipe = await loadRecipe(join(p.dir, RECIPE));
  return runNightly({ recipe, requirements, store: join(out, "store"), cache: join(out, "cache"), out: join(out, "nights"), keep: 3, now: new Date(day) });
}

/** The night's lines: a heading, its stages, its total against `target` seconds. */
function nightLines(label: string, r: NightlyReport, target?: number): string[] {
  const verdict = target === undefined ? "" : `  (target ≤ ${target} s: ${r.totalSeconds <= target ? "met" : "NOT met"})`;
  return [
    `${label}: ${r.ok ? "ok" : `FAILED at ${r.failedStage}: ${r.error}`}, image ${r.image ?? "-"}`,
    ...stageRows(r),
    `${"total".padEnd(32)} ${r.totalSeconds.toFixed(1).padStart(7)} s${verdict}`,
    "",
  ];
}

/** What must hold for the figures to mean anything; each failed one is named. */
function checks(n1: NightlyReport, n2: NightlyReport, n3: NightlyReport): string[] {
  const bad: string[] = [];
  if (!(n1.ok && n2.ok && n3.ok)) bad.push("a night failed");
  if (n2.image === n1.image) bad.push("night 2 gave night 1's image (the pin did not count)");
  if (!n2.bakeResumedFrom) bad.push("night 2 baked cold (resumed from no layer)");
  if (n2.reusedFrom) bad.push("night 2 reused an earlier night's VM");
  if (n3.image !== n2.image || !n3.reusedFrom) bad.push("night 3 rebuilt what night 2 made");
  return bad;
}

async function main(): Promise<void> {
  const root = repoRoot();
  const out = join(root, "bench/out/nightly-pin");
  for (const d of ["p", "store", "nights", "cache/layers"]) await rm(join(out, d), { recursive: true, force: true });
  const p = await scratchProject(root, out);
  const load0 = loadavg();
  const n1 = await night(p, out, "2026-01-01T03:00:00Z");
  await usePinnedNext(p);
  await run([process.execPath, join(root, "dist/src/main.js"), "fetch"], { cwd: p.dir });
  const n2 = await night(p, out, "2026-01-02T03:00:00Z", p.requirements);
  const n3 = await night(p, out, "2026-01-03T03:00:00Z", p.requirements);
  // The same unchanged night as a timer runs it: a `kiln nightly` process (dated today), node's start included.
  const cli = await measure([process.execPath, join(root, "dist/src/main.js"), "nightly", "--out", "../nights", "--json"], { cwd: p.dir });
  const n3cli = JSON.parse(cli.result.stdout) as NightlyReport;
  const bad = [...checks(n1, n2, n3), ...(n3cli.reusedFrom ? [] : ["the kiln nightly process rebuilt the unchanged night"])];
  const lines = [
    `load average before: ${load0.map((x) => x.toFixed(2)).join(" ")} (${cpus().length} cores, shared)`,
    "",
    ...nightLines("night 1 (pinned.txt, cold store, keeps layers)", n1),
    ...nightLines("night 2 (pinned-next.txt: one pin moved)", n2, PIN_TARGET_S),
    ...nightLines("night 3 (nothing changed)", n3, SAME_TARGET_S),
    `night 3 again as a kiln nightly process (dated today): ${cli.wall.toFixed(1)} s wall (target ≤ ${SAME_TARGET_S} s: ${cli.wall <= SAME_TARGET_S ? "met" : "NOT met"})`,
    `load average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
    ...bad.map((b) => `CHECK FAILED: ${b}`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const keep = (r: NightlyReport) => ({
    ok: r.ok,
    image: r.image,
    totalSeconds: r.totalSeconds,
    bakeResumedFrom: r.bakeResumedFrom,
    reusedFrom: r.reusedFrom,
    stages: r.stages,
    bakeStages: r.bakeStages,
    vmStages: r.vmStages,
    bootTest: r.bootTest,
  });
  await writeFile(
    join(out, "..", "nightly-pin.json"),
    `${JSON.stringify({ load0, nights: [keep(n1), keep(n2), keep(n3)], cliUnchangedS: cli.wall, failedChecks: bad }, null, 2)}\n`,
  );
  if (bad.length) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/nightly-pin: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
