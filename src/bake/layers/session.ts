// One bake's use of the layer cache: compute every stage's key, restore the deepest stage that has an
// entry, snapshot after the stages worth keeping, keep the cache under its size bound, and explain misses.
import { rm } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { debug, info, isVerbose, warn } from "../../log.js";
import type { LockedDeb } from "../../lock/types.js";
import type { Recipe } from "../../recipe/types.js";
import type { Lock } from "../../lock/types.js";
import { debCachePath } from "../../sources/apt/deb-cache.js";
import { debBuildDate } from "../../sources/apt/deb-file.js";
import { imageSources } from "../../sources/apt/mirror.js";
import { sha256File } from "../../util/hash.js";
import { inRoot } from "../paths.js";
import { explainMiss } from "./explain.js";
import { LAYER_STAGES, layerKeys, stageIsEmpty, type LayerStage, type StageKey } from "./keys.js";
import { findLayer, recordLater, restoreLayer, saveLayer, trimLayers } from "./store.js";

/**
 * Stages snapshotted (when they change anything): those that cost much more than a snapshot, which takes
 * about 1 s to write and 0.7 s to restore here (tar + zstd -1 of the whole tree, in memory). The bootstrap
 * (25 s for cam-node) and the venv (ensurepip, 2 s) are kept. The pip layer is not: it unpacks the
 * locked wheels and builds the pip checkouts in 1.5-1.8 s for cam-node, and in the loop users live in
 * (a changed pin per candidate) its snapshot would be written on every bake and read by none. Everything
 * after it (other checkouts, files, services, run steps, image info) takes 0.1-0.3 s.
 */
const KEEP: ReadonlySet<LayerStage> = new Set(["bootstrap", "venv"]);

/** SOURCE_DATE_EPOCH for the bootstrap: the newest build date of the locked debs (from their ar headers). */
export async function debsEpoch(cache: string, debs: readonly LockedDeb[]): Promise<number> {
  const dates = await Promise.all(debs.map((d) => debBuildDate(debCachePath(cache, d.sha256))));
  return Math.max(0, ...dates);
}

export interface LayerSession {
  /** Number of stages restored from the cache (0: cold), after restoring them into `root`. */
  resume(root: string): Promise<number>;
  /** True when a snapshot is taken after `stage` (worth keeping for this recipe, cache not bounded to 0). */
  keeps(stage: LayerStage): boolean;
  /**
   * Called after every stage: snapshots `root` when the stage is kept and not yet cached, then trims the
   * cache to its bound. After "files" it checks the copies against the hashed sources first.
   */
  after(stage: LayerStage, root: string): Promise<void>;
  /** The stage the bake resumed after, or null. */
  readonly resumedFrom: () => LayerStage | null;
}

export interface LayerSessionOptions {
  readonly cache: string;
  readonly recipe: Recipe;
  readonly lock: Lock;
  readonly bakeFormat: number;
  readonly debEpoch: number;
  /** Bytes the layer cache may hold; 0 keeps nothing. */
  readonly maxBytes: number;
  /** Print why stages missed (else only in the verbose log). */
  readonly explain?: boolean;
}

/** Computes the keys (hashing each [[file]]); a failure here only disables the cache for this bake. */
async function computeKeys(o: LayerSessionOptions): Promise<StageKey[]> {
  const fileSha256 = await Promise.all(o.recipe.files.map((f) => sha256File(resolve(dirname(o.recipe.path), f.src))));
  return layerKeys({
    recipe: o.recipe,
    lock: o.lock,
    bakeFormat: o.bakeFormat,
    debEpoch: o.debEpoch,
    imageSources: imageSources(o.recipe.base),
    fileSha256,
  });
}

/** True when each [[file]] in the image has the content its key was computed from. */
export async function filesMatch(recipe: Recipe, root: string, expected: readonly { readonly sha256: string | null }[]): Promise<boolean> {
  for (const [n, f] of recipe.files.entries()) {
    const got = await sha256File(inRoot(root, f.dest, "file dest")).catch(() => undefined);
    if (got !== expected[n]?.sha256) return false;
  }
  return true;
}

/** Opens the layer cache for one bake. */
export async function layerSession(o: LayerSessionOptions): Promise<LayerSession> {
  let keys: StageKey[];
  try {
    keys = await computeKeys(o);
  } catch (e) {
    // The stages themselves report a missing or unreadable file properly.
    debug(`layer cache: off for this bake (${(e as Error).message})`);
    return { resume: async () => 0, keeps: () => false, after: async () => undefined, resumedFrom: () => null };
  }
  let resumed = 0;
  let poisoned = false;
  const fileSha256 = keys[LAYER_STAGES.indexOf("files")]?.key.files as readonly { readonly sha256: string | null }[];
  const keeps = (stage: LayerStage): boolean => KEEP.has(stage) && !stageIsEmpty(o.recipe, stage) && o.maxBytes > 0;
  return {
    resumedFrom: () => (resumed ? (LAYER_STAGES[resumed - 1] ?? null) : null),
    async resume(root) {
      for (let i = keys.length; i > 0; i--) {
        const k = keys[i - 1] as StageKey;
        if (!(await findLayer(o.cache, k.hex))) continue;
        try {
          await restoreLayer({ cache: o.cache, hex: k.hex, root });
          resumed = i;
          debug(`layer cache: resumed after '${k.stage}' (${k.hex.slice(0, 12)})`);
          break;
        } catch (e) {
          // Evicted by another bake while we read it, or damaged: bake cold instead.
          warn(`layer cache: could not restore '${k.stage}' (${(e as Error).message.split("\n")[0]}); baking from scratch`);
          await rm(root, { recursive: true, force: true });
          return 0;
        }
      }
      if (o.explain || isVerbose()) for (const l of await explainMiss(o.cache, keys, resumed)) (o.explain ? info : debug)(l);
      // What the next bake's --explain compares with (after this one's, which compared with the last).
      // Only for --explain: a failure to record must not fail the bake.
      const from = keys[resumed - 1];
      if (from) await recordLater(o.cache, from.hex, keys.slice(resumed)).catch(() => undefined);
      return resumed;
    },
    keeps,
    async after(stage, root) {
      // A [[file]] changed between hashing it for the key and copying it: this bake's later entries would
      // be filed under the wrong key, so it keeps none.
      if (stage === "files" && !(await filesMatch(o.recipe, root, fileSha256))) {
        warn("layer cache: a [[file]] changed while baking; keeping no further layers for this bake");
        poisoned = true;
      }
      if (!keeps(stage) || poisoned) return;
      const i = LAYER_STAGES.indexOf(stage);
      const k = keys[i] as StageKey;
      if (await saveLayer({ cache: o.cache, root, key: k, chain: keys.slice(0, i + 1), later: keys.slice(i + 1) }))
        debug(`layer cache: kept '${stage}' (${k.hex.slice(0, 12)})`);
      for (const e of await trimLayers(o.cache, o.maxBytes)) debug(`layer cache: evicted ${e.hex.slice(0, 12)} (least recently used)`);
    },
  };
}
