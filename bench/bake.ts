// Bake benchmark (issue 3): a cold `kiln bake` of the project's recipe (recipes/cam-node.toml) against a
// plain bash script doing the same work with the same tools from the same lock and cache, in one run,
// alternating (kiln first, then the script first, …), medians and their ratio. Target: kiln ≤ 1.10× the script.
// Then the no-op rebake: unchanged inputs → the stored image, as `kiln bake` from a shell sees it.
//
//   npm run build && node dist/bench/bake.js [--runs N]        (root: mmdebstrap, chroot, unshare)
//
// Everything lives in bench/out/bake/ (gitignored): a private cache seeded from the project's cache
// (then `kiln fetch --cache` only if something is missing; `kiln lock` only when there is no lock), a private store, the generated script
// (baseline.sh) and bake.json. The user's .kiln is only read.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bakeEnv } from "../src/bake/context.js";
import { loadConfig } from "../src/config.js";
import { checkTool, run } from "../src/exec/run.js";
import { lockPathFor, readLock } from "../src/lock/lock.js";
import type { Lock } from "../src/lock/types.js";
import type { Recipe } from "../src/recipe/types.js";
import { loadRecipe } from "../src/recipe/load.js";
import { checkDebs, debCachePath } from "../src/sources/apt/deb-cache.js";
import { checkCheckouts, checkoutTarball } from "../src/sources/checkouts.js";
import { checkWheels, wheelPath } from "../src/sources/wheels.js";
import { baselineScript } from "./bake-script.js";
import { measure, median, stageSum, type Measured } from "./bake-measure.js";

const TARGET = 1.1;

/** Stages compared side by side: kiln's stage names and the script's phases doing the same work. */
const PAIRS: readonly { readonly label: string; readonly kiln: readonly string[]; readonly script: readonly string[] }[] = [
  { label: "repo + bootstrap", kiln: ["bootstrap"], script: ["local repo", "bootstrap"] },
  { label: "checkouts", kiln: ["pip checkouts", "checkouts"], script: ["checkouts"] },
  { label: "pip layer", kiln: ["venv", "pip layer"], script: ["pip layer"] },
  // "image info" writes kiln's own /usr/lib/kiln files (the recipe's checks); the script has no such step.
  { label: "files, services, run", kiln: ["files", "services", "run steps", "image info"], script: ["files, services, run"] },
  { label: "normalize", kiln: ["normalize"], script: ["normalize"] },
  { label: "pack", kiln: ["pack"], script: ["pack"] },
];

/** The project root (where kiln.toml is), whether this runs from bench/ or dist/bench/. */
function projectRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.split("/").includes("dist") ? resolve(here, "../..") : resolve(here, "..");
}

/** `--runs N` (default 3; 2 on a slow machine). */
function parseRuns(argv: readonly string[]): number {
  const i = argv.indexOf("--runs");
  if (i < 0) return 3;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs takes a whole number ≥ 1, got '${argv[i + 1] ?? ""}'`);
  return n;
}

/** Copies every locked artifact the private cache lacks from the project's cache (never linking: .kiln stays untouched). */
function seedCache(o: { readonly from: string; readonly to: string; readonly lock: Lock }): number {
  const pairs: readonly (readonly [string, string])[] = [
    ...o.lock.debs.map((d) => [debCachePath(o.from, d.sha256), debCachePath(o.to, d.sha256)] as const),
    ...o.lock.wheels.map((w) => [wheelPath(o.from, w), wheelPath(o.to, w)] as const),
    ...o.lock.checkouts.map((c) => [checkoutTarball(o.from, c.sha256), checkoutTarball(o.to, c.sha256)] as const),
  ];
  let copied = 0;
  for (const [src, dest] of pairs) {
    if (existsSync(dest) || !existsSync(src)) continue;
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(src, dest);
    copied++;
  }
  return copied;
}

/** How many locked artifacts are missing or corrupt in the cache. */
async function missingIn(cache: string, lock: Lock): Promise<number> {
  const p = await Promise.all([
    checkDebs({ cache, debs: lock.debs }),
    checkWheels({ cache, wheels: lock.wheels }),
    checkCheckouts({ cache, checkouts: lock.checkouts }),
  ]);
  return p.flat().length;
}

/** Untimed, before each timed bake: writes the previous one left dirty go to disk now, not during the next. */
async function settle(): Promise<void> {
  await run(["sync"]);
}

/** Seconds with one decimal, right-aligned for the table. */
function sec(x: number): string {
  return `${x.toFixed(1)} s`.padStart(9);
}

/** The load line printed before and after: the machine is shared, so the figures are only comparable within one run. */
function loadLine(when: string, load: readonly number[]): string {
  return `load average ${when}: ${load.map((x) => x.toFixed(2)).join(" ")} (${cpus().length} cores, shared with other engineers' jobs)`;
}

/** Everything both sides bake from: the recipe, its lock, a private cache that holds every locked artifact. */
interface Setup {
  readonly project: string;
  readonly kilnMain: string;
  readonly recipe: Recipe;
  readonly lock: Lock;
  readonly out: string;
  readonly cache: string;
}

/** Checks tools and the build, fills the private cache (seeded; fetched only if something is missing). */
async function prepare(): Promise<Setup> {
  for (const t of ["mmdebstrap", "dpkg-scanpackages", "zstd", "unshare", "git", "svn"]) checkTool(t, "run the bake benchmark", "see scripts/install-deps.sh");
  const project = projectRoot();
  const kilnMain = join(project, "dist/src/main.js");
  if (!existsSync(kilnMain)) throw new Error(`${kilnMain} is missing: run npm run build first`);
  const config = loadConfig({}, project);
  if (!config.recipe) throw new Error("kiln.toml names no recipe");
  const recipe = await loadRecipe(config.recipe);
  const lockFile = lockPathFor(recipe.path);
  const out = join(project, "bench/out/bake");
  const cache = join(out, "cache");
  mkdirSync(out, { recursive: true });
  const lockBefore = existsSync(lockFile) ? readFileSync(lockFile, "utf8") : "";
  if (lockBefore) {
    const copied = seedCache({ from: config.cache, to: cache, lock: await readLock(lockFile) });
    if (copied) process.stderr.write(`seeded ${copied} artifacts into ${cache} from ${config.cache}\n`);
  }
  if (!lockBefore) {
    process.stderr.write(`no lock: kiln lock (resolves and writes ${lockFile})…\n`);
    await run([process.execPath, kilnMain, "--cache", cache, "lock"], { cwd: project, inherit: true });
  } else if (await missingIn(cache, await readLock(lockFile))) {
    // kiln fetch downloads exactly what the lock names and never rewrites it; an aged lock fails here
    // with the deb it cannot find and the fix (kiln lock --update NAME, or a mirror that keeps old versions).
    process.stderr.write(`kiln fetch into the private cache ${cache}…\n`);
    await run([process.execPath, kilnMain, "--cache", cache, "fetch"], { cwd: project, inherit: true });
  }
  return { project, kilnMain, recipe, lock: await readLock(lockFile), out, cache };
}

/** What the timed part measured. */
interface Runs {
  readonly kiln: readonly Measured[];
  readonly script: readonly Measured[];
  readonly ids: ReadonlySet<string>;
  readonly noop: readonly number[];
  /** The last kiln template and the script's output, for their sizes. */
  readonly kilnTemplate?: string;
  readonly scriptOut: string;
}

/** `runs` cold bakes of each side, alternating who goes first, then three no-op rebakes. */
async function bakeBoth(o: Setup & { readonly runs: number }): Promise<Runs> {
  const store = join(o.out, "store");
  const script = join(o.out, "baseline.sh");
  writeFileSync(script, baselineScript({ recipe: o.recipe, lock: o.lock }));
  chmodSync(script, 0o755);
  // Both sides get run()'s minimal environment plus what kiln gives every bake tool (SOURCE_DATE_EPOCH, TZ, …).
  const env = bakeEnv({ epoch: o.lock.sourceDateEpoch });
  const scriptOut = join(o.out, "baseline.tar.zst");
  // In the cache's file system, as kiln's bake directory is, so hard links work alike.
  const scriptWork = join(o.cache, "tmp", "baseline");
  // --no-cache: every timed bake cold (the layer cache would make the second one warm).
  const kilnArgv = [process.execPath, o.kilnMain, "--cache", o.cache, "--store", store, "bake", "--no-cache", "--json"];
  const ids = new Set<string>();
  let kilnTemplate: string | undefined;
  // One cold kiln bake: an empty store, so no inputs-hash hit; the cache is warm (a bake never downloads).
  const bakeKiln = async (): Promise<Measured> => {
    rmSync(store, { recursive: true, force: true });
    await settle();
    const k = await measure(kilnArgv, { cwd: o.project });
    const r = JSON.parse(k.result.stdout) as { image: string; cached: boolean; template: string };
    if (r.cached) throw new Error("the cold bake answered from the store; the benchmark is broken");
    ids.add(r.image);
    kilnTemplate = r.template;
    return k;
  };
  // One run of the baseline script.
  const bakeScript = async (): Promise<Measured> => {
    rmSync(scriptWork, { recursive: true, force: true });
    rmSync(scriptOut, { force: true });
    await settle();
    return measure(["bash", script], { cwd: o.project, env: { ...env, CACHE: o.cache, WORK: scriptWork, OUT: scriptOut } });
  };
  const kiln: Measured[] = [];
  const base: Measured[] = [];
  for (let i = 0; i < o.runs; i++) {
    // Who goes first alternates (K S, S K, K S, …): neither side always runs right after the other.
    let k: Measured;
    let s: Measured;
    if (i % 2 === 0) {
      k = await bakeKiln();
      s = await bakeScript();
    } else {
      s = await bakeScript();
      k = await bakeKiln();
    }
    kiln.push(k);
    base.push(s);
    process.stderr.write(
      `run ${i + 1}/${o.runs}: kiln ${k.wall.toFixed(1)} s (cpu ${k.cpu.toFixed(1)}), script ${s.wall.toFixed(1)} s (cpu ${s.cpu.toFixed(1)}); load ${loadavg()[0]?.toFixed(2)}\n`,
    );
  }
  rmSync(scriptWork, { recursive: true, force: true });
  // No-op rebake: the same inputs again, as a user runs it (node start-up included).
  const noop: number[] = [];
  for (let i = 0; i < 3; i++) {
    const n = await measure(kilnArgv, { cwd: o.project });
    if (!(JSON.parse(n.result.stdout) as { cached: boolean }).cached) throw new Error("the rebake with unchanged inputs did not answer from the store");
    noop.push(n.wall);
  }
  return { kiln, script: base, ids, noop, kilnTemplate, scriptOut };
}

/** The table printed on stdout and the JSON written to bench/out/bake.json. */
function summarize(o: {
  readonly setup: Setup;
  readonly runs: number;
  readonly r: Runs;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}): { lines: string[]; report: object } {
  const { kiln, script } = o.r;
  const wall = { kiln: median(kiln.map((m) => m.wall)), script: median(script.map((m) => m.wall)) };
  const cpu = { kiln: median(kiln.map((m) => m.cpu)), script: median(script.map((m) => m.cpu)) };
  const ratio = wall.kiln / wall.script;
  // A stricter figure: dpkg-scanpackages is slow (it hashes every deb three ways, one dpkg-deb at a
  // time), so the script is also timed as if its local repository were free.
  const strictRatio = wall.kiln / median(script.map((m) => m.wall - stageSum(m, ["local repo"])));
  const rows = PAIRS.map((p) => ({
    label: p.label,
    kiln: median(kiln.map((m) => stageSum(m, p.kiln))),
    script: median(script.map((m) => stageSum(m, p.script))),
  }));
  const rest = (ms: readonly Measured[], names: readonly string[]) => median(ms.map((m) => m.wall - stageSum(m, names)));
  rows.push({
    label: "start-up, preflight, clean-up",
    kiln: rest(
      kiln,
      PAIRS.flatMap((p) => p.kiln),
    ),
    script: rest(
      script,
      PAIRS.flatMap((p) => p.script),
    ),
  });
  const noop = median(o.r.noop);
  const same = o.r.ids.size === 1;
  const lines = [
    loadLine("before", o.loadBefore),
    `${"stage (median)".padEnd(30)}${"kiln".padStart(9)}${"script".padStart(9)}`,
    ...rows.map((r) => `${r.label.padEnd(30)}${sec(r.kiln)}${sec(r.script)}`),
    `${"total wall (median)".padEnd(30)}${sec(wall.kiln)}${sec(wall.script)}`,
    `${"total CPU (median)".padEnd(30)}${sec(cpu.kiln)}${sec(cpu.script)}`,
    `ratio kiln/script (wall): ${ratio.toFixed(3)} (target ≤ ${TARGET.toFixed(2)}: ${ratio <= TARGET ? "met" : "NOT met"}); same image id every run: ${same}`,
    `ratio against the script without its dpkg-scanpackages phase (kiln still builds its own index): ${strictRatio.toFixed(3)}`,
    `ratio of CPU seconds (less sensitive to other jobs on the machine): ${(cpu.kiln / cpu.script).toFixed(3)}`,
    `no-op rebake (unchanged inputs → stored image): median ${noop.toFixed(2)} s of ${o.r.noop.map((x) => x.toFixed(2)).join(", ")}`,
    loadLine("after", o.loadAfter),
  ];
  const round = (x: number, d = 2) => +x.toFixed(d);
  const side = (ms: readonly Measured[]) => ({ wallS: ms.map((m) => round(m.wall)), cpuS: ms.map((m) => round(m.cpu)), stages: ms.map((m) => m.stages) });
  const report = {
    recipe: o.setup.recipe.path,
    runs: o.runs,
    cores: cpus().length,
    loadavg: { before: o.loadBefore.map((x) => round(x)), after: o.loadAfter.map((x) => round(x)) },
    target: TARGET,
    ratio: round(ratio, 3),
    ratioWithoutScriptRepo: round(strictRatio, 3),
    cpuRatio: round(cpu.kiln / cpu.script, 3),
    medianS: { kiln: round(wall.kiln), script: round(wall.script) },
    kiln: side(kiln),
    script: side(script),
    pairs: rows.map((r) => ({ ...r, kiln: round(r.kiln), script: round(r.script) })),
    noopS: { runs: o.r.noop.map((x) => round(x, 3)), median: round(noop, 3) },
    sameImageIdEveryRun: same,
    templateBytes: { kiln: o.r.kilnTemplate ? statSync(o.r.kilnTemplate).size : null, script: statSync(o.r.scriptOut).size },
  };
  return { lines, report };
}

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2));
  const setup = await prepare();
  const loadBefore = loadavg();
  process.stderr.write(`${loadLine("before", loadBefore)}\n${runs} cold bakes each, alternating; each one takes minutes…\n`);
  const r = await bakeBoth({ ...setup, runs });
  const { lines, report } = summarize({ setup, runs, r, loadBefore, loadAfter: loadavg() });
  process.stdout.write(`${lines.join("\n")}\n`);
  writeFileSync(join(setup.out, "..", "bake.json"), `${JSON.stringify(report, null, 2)}\n`);
  rmSync(r.scriptOut, { force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/bake: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
