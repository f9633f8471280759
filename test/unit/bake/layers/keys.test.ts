// Layer keys: a change in each input changes exactly the keys from the stage that consumes it on, and
// --explain names the field that changed.
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { keyChanges } from "../../../../src/bake/layers/explain.js";
import { LAYER_STAGES, layerKeys, type LayerInputs } from "../../../../src/bake/layers/keys.js";
import type { Lock } from "../../../../src/lock/types.js";
import { loadRecipe } from "../../../../src/recipe/load.js";
import type { Recipe } from "../../../../src/recipe/types.js";
import { repoRoot } from "../../../support/kiln.js";

const sha = (c: string) => c.repeat(64);
let base: LayerInputs;

beforeAll(async () => {
  const recipe = await loadRecipe(join(repoRoot, "recipes/cam-node.toml"));
  const lock: Lock = {
    lockVersion: 1,
    base: { suite: "bookworm", variant: "minbase", arch: "amd64" },
    sourceDateEpoch: 1_700_000_000,
    recipeSha256: sha("0"),
    requirementsSha256: sha("1"),
    debs: [
      { name: "libc6", version: "2.36-9", arch: "amd64", sha256: sha("2") },
      { name: "bash", version: "5.2-2", arch: "amd64", sha256: sha("3") },
    ],
    wheels: [{ name: "kat-sensors", version: "0.4.0", file: "kat_sensors-0.4.0-py3-none-any.whl", sha256: sha("4") }],
    checkouts: [
      { name: "katpkg", kind: "svn", url: "file:x", revision: "3", sha256: sha("5") },
      { name: "devsim", kind: "git", url: "file:y", revision: "a".repeat(40), sha256: sha("6") },
    ],
  };
  base = { recipe, lock, bakeFormat: 3, debEpoch: 1_690_000_000, imageSources: [{ path: "/etc/apt/sources.list", text: "deb x\n" }], fileSha256: [sha("7")] };
});

/** Index of the first stage whose key differs from the base's (LAYER_STAGES.length when none). */
function firstChanged(i: LayerInputs): number {
  const a = layerKeys(base);
  const b = layerKeys(i);
  const first = b.findIndex((k, n) => k.hex !== a[n]?.hex);
  // Every key after the first changed one changes too (they chain), and none before it.
  if (first >= 0) for (const [n, k] of b.entries()) expect(k.hex !== a[n]?.hex, `stage ${k.stage}`).toBe(n >= first);
  return first < 0 ? LAYER_STAGES.length : first;
}

const withRecipe = (r: Partial<Recipe>): LayerInputs => ({ ...base, recipe: { ...base.recipe, ...r } });
const withLock = (l: Partial<Lock>): LayerInputs => ({ ...base, lock: { ...base.lock, ...l } });

describe("layerKeys", () => {
  it("is stable: the same inputs give the same keys, in stage order", () => {
    expect(layerKeys(base).map((k) => k.hex)).toEqual(layerKeys(structuredClone(base)).map((k) => k.hex));
    expect(layerKeys(base).map((k) => k.stage)).toEqual([...LAYER_STAGES]);
  });

  it.each([
    ["a deb's sha256", () => withLock({ debs: [{ ...(base.lock.debs[0] as Lock["debs"][0]), sha256: sha("9") }, ...base.lock.debs.slice(1)] }), "bootstrap"],
    ["the debs' epoch", () => ({ ...base, debEpoch: base.debEpoch + 1 }), "bootstrap"],
    ["the image's apt sources", () => ({ ...base, imageSources: [{ path: "/etc/apt/sources.list", text: "deb z\n" }] }), "bootstrap"],
    ["BAKE_FORMAT", () => ({ ...base, bakeFormat: 4 }), "bootstrap"],
    // A checkout pip builds comes before the pip layer; one it never reads, after it.
    [
      "a pip-built checkout's revision",
      () => withLock({ checkouts: base.lock.checkouts.map((c) => (c.name === "katpkg" ? { ...c, revision: "4", sha256: sha("8") } : c)) }),
      "pip checkouts",
    ],
    [
      "another checkout's revision",
      () => withLock({ checkouts: base.lock.checkouts.map((c) => (c.name === "devsim" ? { ...c, revision: "b".repeat(40), sha256: sha("8") } : c)) }),
      "checkouts",
    ],
    ["a checkout dest", () => withRecipe({ checkouts: base.recipe.checkouts.map((c) => ({ ...c, dest: `${c.dest}2` })) }), "pip checkouts"],
    [
      "a checkout moved to hold the venv",
      () => withRecipe({ checkouts: base.recipe.checkouts.map((c) => (c.name === "devsim" ? { ...c, dest: "/opt/kat" } : c)) }),
      "pip checkouts",
    ],
    // The lock's epoch (raised by a newer checkout) reaches only the stages that run with it: not the
    // bootstrap or the pip layer, which see the debs' epoch.
    ["the lock's epoch", () => withLock({ sourceDateEpoch: base.lock.sourceDateEpoch + 1 }), "services"],
    ["the venv's path", () => withRecipe({ python: { ...(base.recipe.python as NonNullable<Recipe["python"]>), venv: "/opt/other" } }), "venv"],
    ["a wheel's sha256", () => withLock({ wheels: base.lock.wheels.map((w) => ({ ...w, sha256: sha("9") })) }), "pip layer"],
    ["a [[file]]'s content", () => ({ ...base, fileSha256: [sha("9")] }), "files"],
    ["a [[file]]'s mode", () => withRecipe({ files: base.recipe.files.map((f) => ({ ...f, mode: 0o600 })) }), "files"],
    ["[services]", () => withRecipe({ services: { ...base.recipe.services, enable: [] } }), "services"],
    ["a [[run]] argv", () => withRecipe({ run: [{ argv: ["true"] }] }), "run steps"],
    ["[verify]", () => withRecipe({ verify: { ...base.recipe.verify, timeout: 1 } }), "image info"],
  ] as const)("a change to %s changes the keys from '%s' on", (_what, make, stage) => {
    expect(LAYER_STAGES[firstChanged(make())]).toBe(stage);
  });

  it("ignores what does not reach the tree: the image version, the lock's recipe digest, checkout URLs", () => {
    expect(firstChanged(withRecipe({ image: { ...base.recipe.image, version: "9.9.9" } }))).toBe(LAYER_STAGES.length);
    expect(firstChanged(withLock({ recipeSha256: sha("f"), checkouts: base.lock.checkouts.map((c) => ({ ...c, url: "file:moved" })) }))).toBe(
      LAYER_STAGES.length,
    );
  });
});

describe("keyChanges (--explain)", () => {
  it("names the changed field by item name, old → new", () => {
    const [a, b] = [layerKeys(base), layerKeys(withLock({ wheels: base.lock.wheels.map((w) => ({ ...w, sha256: sha("9") })) }))];
    const pip = LAYER_STAGES.indexOf("pip layer");
    expect(keyChanges(a[pip]?.key, b[pip]?.key)).toEqual([`wheels[kat-sensors].sha256: "${sha("4")}" → "${sha("9")}"`]);
  });
});
