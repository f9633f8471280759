// Real mmdebstrap, apt and dpkg: fetch a small closure (minbase + ifupdown pinned + netbase) against the
// host's apt sources, then bootstrap it offline in the sandbox, twice (the second time from a copy of
// the cache elsewhere), and check every failure mode the user can meet. Then the same closure as a kiln
// project through the CLI: kiln fetch with a fresh lock and a full cache runs no tool at all and leaves
// the lock alone; kiln lock --check / --update NAME; an aged lock is named with the fix. Needs root and
// the Debian mirror.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../src/errors.js";
import { run } from "../../src/exec/run.js";
import { runInChroot } from "../../src/exec/sandbox.js";
import { serializeLock } from "../../src/lock/lock.js";
import type { Lock } from "../../src/lock/types.js";
import { loadRecipe, recipeDigest } from "../../src/recipe/load.js";
import type { Recipe } from "../../src/recipe/types.js";
import { bootstrap } from "../../src/bake/stages/bootstrap.js";
import { resolveAndFetchDebs, type FetchedDebs } from "../../src/sources/apt/resolve.js";
import { debCachePath } from "../../src/sources/apt/deb-cache.js";
import { installedDebs } from "../../src/sources/apt/installed.js";
import { sha256File } from "../../src/util/hash.js";
import { ensureBuilt, kiln } from "../support/kiln.js";
import { timings } from "../support/timed.js";

let tmp: string;
let cache: string;
let ifupdownVersion: string;
let fetched: FetchedDebs;
let lock: Lock;
// Wall times of the slow steps, printed at the end (for the report).
const clock = timings();
const timed = clock.timed;

/** A recipe as the loader would produce it: bookworm minbase from the host's sources. */
function recipe(packages: Recipe["apt"]["packages"]): Recipe {
  return {
    path: join(tmp, "recipe.toml"),
    extends: [],
    image: { name: "apt-test", version: "1.0.0", arch: "amd64", ostype: "debian" },
    base: { suite: "bookworm", variant: "minbase", mirror: "host", components: ["main"], include: [] },
    apt: { packages },
    checkouts: [],
    files: [],
    services: { enable: [], disable: [] },
    run: [],
    verify: { allowDegraded: [], commands: [], timeout: 60 },
  };
}

/** The lock a fetch would write from these debs. */
function lockOf(f: FetchedDebs): Lock {
  return {
    lockVersion: 1,
    base: { suite: "bookworm", variant: "minbase", arch: "amd64" },
    sourceDateEpoch: f.sourceDate,
    recipeSha256: "0".repeat(64),
    requirementsSha256: null,
    debs: f.debs,
    wheels: [],
    checkouts: [],
  };
}

/** name → inode and mtime of every file in a directory: unchanged means nothing was written. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of (await readdir(dir)).sort()) {
    const s = await stat(join(dir, n));
    out[n] = `${s.ino}:${s.mtimeMs}`;
  }
  return out;
}

/** Mount points under our temp dir, as the host sees them. */
async function mountsUnderTmp(): Promise<string[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8");
  return text.split("\n").filter((l) => l.split(" ")[4]?.startsWith(tmp));
}

/** Expects a promise to reject with a UserError and returns it. */
async function userError(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

const recipeFor = () => recipe([{ name: "ifupdown", version: ifupdownVersion }, { name: "netbase" }]);

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-apt-"));
  cache = join(tmp, "cache");
  // The version the host's sources have today: the pin must name a real one.
  const madison = await run(["apt-cache", "madison", "ifupdown"]);
  ifupdownVersion = madison.stdout.split("\n")[0]?.split("|")[1]?.trim() ?? "";
  expect(ifupdownVersion).not.toBe("");
  fetched = await timed("fetch cold", () => resolveAndFetchDebs({ recipe: recipeFor(), cache }));
  lock = lockOf(fetched);
});

afterAll(async () => {
  const left = tmp ? await mountsUnderTmp() : [];
  if (tmp) await rm(tmp, { recursive: true, force: true });
  process.stderr.write(`apt-offline timings (ms): ${JSON.stringify(clock.ms)}\n`);
  // Checked last so a failure here still cleans up.
  expect(left).toEqual([]);
});

describe("kiln fetch (apt)", () => {
  it("locks the minbase closure with the pinned and the unpinned package, each deb in the cache by sha256", async () => {
    const names = fetched.debs.map((d) => d.name);
    expect(names).toContain("ifupdown");
    expect(names).toContain("netbase");
    expect(names).toContain("dpkg");
    expect(fetched.debs.find((d) => d.name === "ifupdown")?.version).toBe(ifupdownVersion);
    expect(names).toEqual([...names].sort());
    for (const d of fetched.debs.slice(0, 5)) expect(await sha256File(debCachePath(cache, d.sha256))).toBe(d.sha256);
    expect(fetched.added).toBe(fetched.debs.length);
    expect(fetched.downloaded).toBe(fetched.debs.length);
    // Dates from the debs and from the Release files are plausible (after 2020, not in the future).
    for (const t of [fetched.sourceDate, fetched.releaseDate]) {
      expect(t).toBeGreaterThan(1_577_836_800);
      expect(t).toBeLessThanOrEqual(Date.now() / 1000 + 86_400);
    }
    expect(fetched.sourceDate).toBe(Math.max(...(await Promise.all(fetched.debs.map(async (d) => debArMtime(debCachePath(cache, d.sha256)))))));
  });

  it("re-fetches an unchanged closure without downloading or rewriting a deb", async () => {
    const before = await snapshot(join(cache, "debs"));
    const again = await timed("fetch warm", () => resolveAndFetchDebs({ recipe: recipeFor(), cache, previous: lock.debs }));
    expect(again.debs).toEqual(fetched.debs);
    expect(again.added).toBe(0);
    expect(again.downloaded).toBe(0);
    expect(await snapshot(join(cache, "debs"))).toEqual(before);
  });

  it("refuses a pinned version the mirror lacks, naming the versions it has (exit 2)", async () => {
    const bad = recipe([{ name: "ifupdown", version: "0.0.1-kiln-missing" }, { name: "kiln-no-such-package" }]);
    const e = await timed("fetch bad pin", () => userError(resolveAndFetchDebs({ recipe: bad, cache })));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain("ifupdown=0.0.1-kiln-missing");
    expect(e.message).toContain(`it has: ${ifupdownVersion}`);
    expect(e.message).toMatch(/kiln-no-such-package.*not available/);
    expect(e.problems.map((p) => p.key)).toEqual(["apt.packages[0]", "apt.packages[1]"]);
  });
});

describe("bootstrap (offline)", () => {
  let root1: string;

  beforeAll(async () => {
    root1 = join(tmp, "root1");
    await timed("bootstrap", () => bootstrap({ recipe: recipeFor(), lock, cache, root: root1, work: join(tmp, "work1"), epoch: lock.sourceDateEpoch }));
  });

  it("installs exactly the locked debs", async () => {
    const installed = await installedDebs(root1);
    expect(installed).toEqual(lock.debs.map(({ name, version, arch }) => ({ name, version, arch })));
  });

  it("leaves the host's sources in the image, not the local repository, and no mount behind", async () => {
    const list = await readFile(join(root1, "etc/apt/sources.list"), "utf8");
    expect(list).not.toContain("copy://");
    expect(await readdir(join(root1, "etc/apt/sources.list.d"))).toContain("debian.sources");
    expect(await readdir(join(root1, "etc/dpkg/dpkg.cfg.d")).catch(() => [])).not.toContain("zz-kiln-unsafe-io");
    expect(await mountsUnderTmp()).toEqual([]);
  });

  it("runs chroot steps with /proc, /sys and /dev mounted inside the sandbox only, and no network", async () => {
    const r = await runInChroot(root1, [
      "/bin/sh",
      "-c",
      "grep -c ' /proc \\| /sys \\| /dev ' /proc/self/mountinfo; ls /dev/null; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '",
    ]);
    expect(r.stdout.split("\n")).toEqual(["3", "/dev/null", "lo", ""]);
    expect(await mountsUnderTmp()).toEqual([]);
    expect(await readdir(join(root1, "dev"))).toEqual([]);
  });

  it("bakes the same installed set from a copy of the cache in another directory", async () => {
    const elsewhere = join(tmp, "elsewhere", "other cache");
    await mkdir(join(tmp, "elsewhere"));
    await cp(cache, elsewhere, { recursive: true });
    const root2 = join(tmp, "root2");
    await timed("bootstrap (copied cache)", () =>
      bootstrap({ recipe: recipeFor(), lock, cache: elsewhere, root: root2, work: join(tmp, "elsewhere", "work 2"), epoch: lock.sourceDateEpoch }),
    );
    expect(await installedDebs(root2)).toEqual(await installedDebs(root1));
    // Beyond the package set, the trees hold the same bytes (mtimes aside: the archive writer clamps
    // those). /etc/shadow records the day of the bake (normalize clamps it); two bakes may straddle midnight.
    expect(diffTrees(await treeDigest(root1), await treeDigest(root2)).filter((p) => p !== "./etc/shadow")).toEqual([]);
    await rm(root2, { recursive: true, force: true });
  });

  it("names every missing deb and says to run kiln fetch when the cache is empty", async () => {
    const empty = join(tmp, "empty-cache");
    await mkdir(empty);
    const e = await userError(
      bootstrap({ recipe: recipeFor(), lock, cache: empty, root: join(tmp, "root3"), work: join(tmp, "work3"), epoch: lock.sourceDateEpoch }),
    );
    expect(e.problems).toHaveLength(lock.debs.length);
    for (const d of lock.debs) expect(e.message).toContain(`deb ${d.name}=${d.version} (${d.arch}): missing from the cache`);
    expect(e.message).toContain("run kiln fetch");
  });
});

describe("kiln fetch / kiln lock on a project with a fresh lock and a full cache", () => {
  let proj: string;
  let lockFile: string;
  let good: string;

  beforeAll(async () => {
    await ensureBuilt();
    // The same closure as recipeFor(), as a project on disk, locked with what the fetch above resolved.
    proj = join(tmp, "proj");
    await mkdir(join(proj, "recipes"), { recursive: true });
    const toml = `[image]\nname = "apt-test"\nversion = "1.0.0"\narch = "amd64"\nostype = "debian"\n[base]\nsuite = "bookworm"\nvariant = "minbase"\nmirror = "host"\n[apt]\npackages = ["ifupdown=${ifupdownVersion}", "netbase"]\n`;
    await writeFile(join(proj, "recipes/t.toml"), toml);
    await writeFile(join(proj, "kiln.toml"), `recipe = "recipes/t.toml"\ncache = ${JSON.stringify(cache)}\nstore = "store"\n`);
    lockFile = join(proj, "recipes/t.lock.json");
    good = serializeLock({ ...lock, recipeSha256: recipeDigest(await loadRecipe(join(proj, "recipes/t.toml"))) });
    await writeFile(lockFile, good);
  });

  it("kiln fetch runs no tool (PATH empty: no mmdebstrap, no apt), finishes in under 3 s and leaves the lock as it was", async () => {
    const before = await stat(lockFile);
    const noTools = join(tmp, "no-tools");
    await mkdir(noTools);
    const t0 = performance.now();
    const r = await kiln(["fetch", "--json"], { cwd: proj, env: { PATH: noTools } });
    const ms = Math.round(performance.now() - t0);
    clock.ms["kiln fetch (fresh lock, full cache, whole process)"] = ms;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ debs: lock.debs.length, downloaded: { debs: 0, wheels: 0, checkouts: 0 } });
    expect(ms).toBeLessThan(3000);
    expect(await readFile(lockFile, "utf8")).toBe(good);
    expect((await stat(lockFile)).mtimeMs).toBe(before.mtimeMs);
  });

  it("kiln fetch downloads a deb the cache lacks by name=version, checked against its locked sha256, without resolving", async () => {
    const d = lock.debs.find((x) => x.name === "netbase")!;
    await rm(debCachePath(cache, d.sha256));
    const r = await timed("kiln fetch (one deb missing)", () => kiln(["fetch", "--json"], { cwd: proj }));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ downloaded: { debs: 1 } });
    expect(r.stderr).not.toContain("lock ›");
    expect(await sha256File(debCachePath(cache, d.sha256))).toBe(d.sha256);
    expect(await readFile(lockFile, "utf8")).toBe(good);
  });

  it("kiln lock --check exits 0 on the fresh lock and writes nothing", async () => {
    const r = await timed("kiln lock --check (fresh)", () => kiln(["lock", "--check", "--json"], { cwd: proj }));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ state: "fresh", changed: false, written: false, changes: [] });
    expect(await readFile(lockFile, "utf8")).toBe(good);
  });

  it("an aged lock (a version neither the mirror nor the cache has): fetch names it and the fix; --check exits 1; --update NAME repairs exactly it", async () => {
    const aged = JSON.parse(good) as Lock;
    const debs = aged.debs.map((d) => (d.name === "netbase" ? { ...d, version: "6.0-kiln-aged", sha256: "ab".repeat(32) } : d));
    const agedText = serializeLock({ ...aged, debs });
    await writeFile(lockFile, agedText);
    const f = await timed("kiln fetch (aged lock)", () => kiln(["fetch"], { cwd: proj }));
    expect(f.exitCode).toBe(2);
    expect(f.stderr).toContain("deb netbase=6.0-kiln-aged (all): not in the cache, and the mirror no longer serves this version");
    expect(f.stderr).toContain("kiln lock --update netbase");
    const check = await timed("kiln lock --check (aged)", () => kiln(["lock", "--check"], { cwd: proj }));
    expect(check.exitCode, check.stderr).toBe(1);
    expect(check.stdout).toContain("deb netbase 6.0-kiln-aged → ");
    expect(await readFile(lockFile, "utf8")).toBe(agedText);
    // Naming another package: the re-resolve would move netbase too, so nothing is written.
    const other = await timed("kiln lock --update ifupdown (refused)", () => kiln(["lock", "--update", "ifupdown"], { cwd: proj }));
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toContain("re-resolving also moves deb netbase 6.0-kiln-aged → ");
    expect(await readFile(lockFile, "utf8")).toBe(agedText);
    const upd = await timed("kiln lock --update netbase", () => kiln(["lock", "--update", "netbase", "--json"], { cwd: proj }));
    expect(upd.exitCode, upd.stderr).toBe(0);
    expect(JSON.parse(upd.stdout)).toMatchObject({ written: true, changes: [{ kind: "deb", name: "netbase", from: "6.0-kiln-aged" }] });
    expect(await readFile(lockFile, "utf8")).toBe(good);
  });
});

/** path → type, mode, owner and content digest (or link target) of every entry of a tree. */
async function treeDigest(dir: string): Promise<Map<string, string>> {
  const { stdout } = await run(["find", ".", "-printf", "%p\\t%y %m %U:%G %l\\n"], { cwd: dir });
  const sums = await run(["sh", "-c", "find . -type f -print0 | xargs -0 -r sha256sum"], { cwd: dir });
  const out = new Map<string, string>();
  for (const l of stdout.split("\n").filter(Boolean)) {
    const [p = "", meta = ""] = l.split("\t");
    out.set(p, meta);
  }
  for (const l of sums.stdout.split("\n").filter(Boolean)) {
    const p = l.slice(66);
    out.set(p, `${out.get(p) ?? ""} ${l.slice(0, 64)}`);
  }
  return out;
}

/** Paths whose entries differ between two tree digests. */
function diffTrees(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p)).sort();
}

/** The ar header mtime of a .deb, read independently of the code under test. */
async function debArMtime(path: string): Promise<number> {
  const head = (await readFile(path)).subarray(0, 68).toString("latin1");
  return Number(head.slice(24, 36).trim());
}
