// Layer keys: for each bake stage, the exact inputs that stage and those before it consumed, as an
// explicit object (canonical JSON, so key order never matters) and its sha256. A stage's key holds its
// parent's hex, so a change in one stage's inputs changes that key and every later one, never an earlier.
//
// Left out of every key, on purpose: paths (cache, store, work dir, recipe location), the clock, the user,
// the umask (the bake sets its own), the recipe's image name/version/ostype (they reach the manifest and
// template name, not the tree), the lock's recipe/requirements digests (the artifacts they resolve to
// are in the keys themselves), checkout URLs (the export's sha256 is the content), and the recipe's
// base.variant/include/components and [apt] (they only choose which debs are locked; the debs are here).
import type { Lock } from "../../lock/types.js";
import type { Recipe } from "../../recipe/types.js";
import type { ImageFile } from "../../sources/apt/mirror.js";
import { type CheckoutPhase, checkoutsOf } from "../stages/checkouts.js";
import { canonicalJson } from "../../util/canonical-json.js";
import { sha256Hex } from "../../util/hash.js";
import { kilnVersion } from "../../version.js";

/** The stages that can be resumed after, in bake order (normalize and pack always run). */
export const LAYER_STAGES = ["bootstrap", "pip checkouts", "venv", "pip layer", "checkouts", "files", "services", "run steps", "image info"] as const;
export type LayerStage = (typeof LAYER_STAGES)[number];

/** Bumped when the snapshot format (tar + zstd, see store.ts) or what a key means changes. */
export const LAYER_FORMAT = 2;

/** What the keys are computed from, gathered once before the bake (see gatherLayerInputs). */
export interface LayerInputs {
  readonly recipe: Recipe;
  readonly lock: Lock;
  /** BAKE_FORMAT of the pipeline (a change in what stages produce). */
  readonly bakeFormat: number;
  /** SOURCE_DATE_EPOCH the bootstrap runs with: the newest build date of the locked debs. */
  readonly debEpoch: number;
  /** The apt sources the bootstrap writes into the image (from the host's /etc/apt when mirror = "host"). */
  readonly imageSources: readonly ImageFile[];
  /** sha256 of each [[file]]'s content, in recipe order. */
  readonly fileSha256: readonly string[];
}

export interface StageKey {
  readonly stage: LayerStage;
  /** The key object: `{stage, parent, ...what this stage consumed}`. */
  readonly key: Readonly<Record<string, unknown>>;
  /** sha256 hex of canonicalJson(key): the entry's name in the layer cache. */
  readonly hex: string;
}

/** The key fields of one phase's checkouts: name, kind, dest and the locked revision and export sha256. */
function checkoutKeys(i: LayerInputs, phase: CheckoutPhase): Record<string, unknown>[] {
  return checkoutsOf(i.recipe, phase).map((c) => {
    const l = i.lock.checkouts.find((x) => x.name === c.name);
    return { name: c.name, kind: c.kind, dest: c.dest, revision: l?.revision ?? null, sha256: l?.sha256 ?? null };
  });
}

/** What each stage itself consumes (the parent's key covers everything before it). */
function ownInputs(i: LayerInputs): Record<LayerStage, Record<string, unknown>> {
  const { recipe, lock } = i;
  const epoch = lock.sourceDateEpoch;
  const py = recipe.python;
  return {
    // kiln's version and formats: how the inputs are put together. Only the debs' epoch: a newer checkout
    // (which raises the lock's epoch) must not invalidate the bootstrap.
    bootstrap: {
      kiln: kilnVersion,
      bakeFormat: i.bakeFormat,
      layerFormat: LAYER_FORMAT,
      arch: recipe.image.arch,
      suite: recipe.base.suite,
      epoch: i.debEpoch,
      debs: [...lock.debs]
        .map((d) => ({ name: d.name, version: d.version, arch: d.arch, sha256: d.sha256 }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.arch.localeCompare(b.arch)),
      imageSources: i.imageSources.map((f) => ({ path: f.path, text: f.text })),
    },
    // Each phase's checkouts in recipe order (see stages/checkouts.ts). The revision is kept for --explain
    // (the sha256 of its export alone decides the content).
    "pip checkouts": { checkouts: checkoutKeys(i, "pip") },
    // The venv and pip run with the debs' epoch as SOURCE_DATE_EPOCH (in the bootstrap's key, so not
    // repeated here): a newer checkout they never read (which raises the lock's epoch) must not redo them.
    venv: { venv: py?.venv ?? null },
    "pip layer": py
      ? {
          wheels: lock.wheels.map((w) => ({ name: w.name, version: w.version, file: w.file, sha256: w.sha256 })),
          pipInstalled: recipe.checkouts.filter((c) => c.install === "pip").map((c) => c.dest),
        }
      : { python: null },
    checkouts: { checkouts: checkoutKeys(i, "rest") },
    files: { files: recipe.files.map((f, n) => ({ dest: f.dest, mode: f.mode, owner: f.owner, sha256: i.fileSha256[n] ?? null })) },
    services: { enable: recipe.services.enable, disable: recipe.services.disable, epoch },
    "run steps": recipe.run.length ? { run: recipe.run.map((s) => s.argv), epoch } : { run: [] },
    "image info": { verify: recipe.verify },
  };
}

/** The chained key of every stage, in bake order. */
export function layerKeys(i: LayerInputs): StageKey[] {
  const own = ownInputs(i);
  const out: StageKey[] = [];
  let parent: string | null = null;
  for (const stage of LAYER_STAGES) {
    const key = { stage, parent, ...own[stage] };
    const hex = sha256Hex(canonicalJson(key));
    out.push({ stage, key, hex });
    parent = hex;
  }
  return out;
}

/** True when the stage changes nothing for this recipe (no checkouts, no [python], …): not worth a snapshot. */
export function stageIsEmpty(recipe: Recipe, stage: LayerStage): boolean {
  if (stage === "pip checkouts" || stage === "checkouts") return checkoutsOf(recipe, stage === "checkouts" ? "rest" : "pip").length === 0;
  if (stage === "venv" || stage === "pip layer") return recipe.python === undefined;
  if (stage === "run steps") return recipe.run.length === 0;
  return false;
}
