// The fetch plan (lock → exactly the downloads needed, nothing when cached) and kiln fetch's refusal of
// a missing or stale lock before anything is downloaded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../../src/errors.js";
import { serializeLock } from "../../../src/lock/lock.js";
import type { Lock } from "../../../src/lock/types.js";
import { loadRecipe, recipeDigest } from "../../../src/recipe/load.js";
import { debCachePath } from "../../../src/sources/apt/deb-cache.js";
import { downloadSpec, isolatedAptOptions, unavailableDebs } from "../../../src/sources/apt/download.js";
import { checkoutTarball } from "../../../src/sources/checkouts.js";
import { fetchLocked } from "../../../src/sources/fetch-locked.js";
import { isEmptyPlan, planFetch } from "../../../src/sources/plan.js";
import { wheelPath } from "../../../src/sources/wheels.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-plan-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const h = (c: string) => c.repeat(64);
const lock: Lock = {
  lockVersion: 1,
  base: { suite: "bookworm", variant: "minbase", arch: "amd64" },
  sourceDateEpoch: 1_700_000_000,
  recipeSha256: h("0"),
  requirementsSha256: null,
  debs: [
    { name: "bash", version: "5.2.15-2+b2", arch: "amd64", sha256: h("a") },
    { name: "netbase", version: "6.4", arch: "all", sha256: h("b") },
  ],
  wheels: [{ name: "katcp-lite", version: "0.9.3", file: "katcp_lite-0.9.3-py3-none-any.whl", sha256: h("c") }],
  checkouts: [{ name: "devsim", kind: "git", url: "file:../x.git", revision: "1".repeat(40), sha256: h("d") }],
};

/** Puts an entry at `path` (the plan only looks at presence). */
async function put(path: string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, "x");
}

describe("planFetch", () => {
  it("names every locked artifact when the cache is empty", async () => {
    const p = await planFetch({ lock, cache: join(dir, "empty") });
    expect(p).toEqual({ debs: lock.debs, wheels: lock.wheels, checkouts: lock.checkouts });
    expect(isEmptyPlan(p)).toBe(false);
  });

  it("names exactly the artifacts the cache lacks, and nothing once all are there", async () => {
    const cache = join(dir, "part");
    await put(debCachePath(cache, h("a")));
    await put(wheelPath(cache, lock.wheels[0]!));
    const p = await planFetch({ lock, cache });
    expect(p).toEqual({ debs: [lock.debs[1]], wheels: [], checkouts: lock.checkouts });
    await put(debCachePath(cache, h("b")));
    await put(checkoutTarball(cache, h("d")));
    expect(isEmptyPlan(await planFetch({ lock, cache }))).toBe(true);
  });

  it("is keyed by sha256: a cached file of another version of the same package does not count", async () => {
    const cache = join(dir, "other");
    await put(debCachePath(cache, h("e")));
    expect((await planFetch({ lock: { ...lock, wheels: [], checkouts: [] }, cache })).debs).toEqual(lock.debs);
  });
});

describe("locked downloads (apt)", () => {
  it("asks apt for name=version, with :arch only for a foreign architecture", () => {
    expect(downloadSpec(lock.debs[0]!, "amd64")).toBe("bash=5.2.15-2+b2");
    expect(downloadSpec(lock.debs[1]!, "amd64")).toBe("netbase=6.4");
    expect(downloadSpec({ ...lock.debs[0]!, arch: "i386" }, "amd64")).toBe("bash:i386=5.2.15-2+b2");
  });

  it("names the locked versions the mirror no longer lists", () => {
    const available = new Map([
      ["bash", ["5.2.15-2+b7"]],
      ["netbase", ["6.4"]],
    ]);
    expect(unavailableDebs(lock.debs, available)).toEqual([lock.debs[0]]);
  });

  it("keeps apt's state private: its own sources, lists, cache and an empty dpkg status", () => {
    const o = isolatedAptOptions({ dir: "/c/tmp/x", arch: "amd64" });
    expect(o.filter((_, i) => i % 2 === 0).every((x) => x === "-o")).toBe(true);
    expect(o).toEqual(
      expect.arrayContaining([
        "Dir::Etc::SourceList=/c/tmp/x/sources.list",
        "Dir::State::status=/c/tmp/x/status",
        "Dir::Cache=/c/tmp/x/cache",
        "APT::Architecture=amd64",
      ]),
    );
  });
});

describe("fetchLocked refuses before downloading anything", () => {
  const recipeText = '[image]\nname = "t"\nversion = "1.0.0"\narch = "amd64"\nostype = "debian"\n[base]\nsuite = "bookworm"\n';

  /** A project with a recipe (and the given lock text, if any); returns the recipe path and cache. */
  async function project(name: string, lockText?: (recipeSha: string) => string) {
    const p = join(dir, name);
    await mkdir(p, { recursive: true });
    await writeFile(join(p, "t.toml"), recipeText);
    const recipe = await loadRecipe(join(p, "t.toml"));
    if (lockText) await writeFile(join(p, "t.lock.json"), lockText(recipeDigest(recipe)));
    return { recipe, cache: join(p, "cache") };
  }

  /** The UserError fetchLocked rejects with. */
  async function refusal(o: Awaited<ReturnType<typeof project>>): Promise<UserError> {
    const e = await fetchLocked(o).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }

  it("a missing lock: exit 2 with the kiln lock command to run", async () => {
    const o = await project("missing");
    const e = await refusal(o);
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/^no lock for .*t\.toml .*\n.*run kiln lock --recipe .*t\.toml first$/);
  });

  it("a stale lock (made from another recipe): exit 2, run kiln lock, the cache untouched", async () => {
    const o = await project("stale", () => serializeLock({ ...lock, wheels: [], checkouts: [] }));
    const e = await refusal(o);
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/was made from a different recipe .*: run kiln lock$/);
    expect(await readdir(join(o.cache, "..")).then((l) => l.includes("cache"))).toBe(false);
  });

  it("a fresh lock whose artifacts are all cached: nothing downloaded", async () => {
    const o = await project("fresh", (sha) => serializeLock({ ...lock, recipeSha256: sha, wheels: [], checkouts: [] }));
    for (const d of lock.debs) await put(debCachePath(o.cache, d.sha256));
    const r = await fetchLocked(o);
    expect(r.downloaded).toEqual({ debs: 0, wheels: 0, checkouts: 0 });
    expect(r.debs).toBe(2);
  });
});
