// What every bake stage gets: the inputs (recipe, lock), where things live, and the fixed clock.
import type { Recipe } from "../recipe/types.js";
import type { Lock } from "../lock/types.js";

export interface BakeContext {
  readonly recipe: Recipe;
  readonly lock: Lock;
  /** Artifact cache (debs, wheels, checkout exports) filled by `kiln fetch`. */
  readonly cache: string;
  /** The image store. */
  readonly store: string;
  /** The root filesystem being built (a directory). */
  readonly root: string;
  /** A private scratch directory for this bake (local repo, wheelhouse, exports); removed afterwards. */
  readonly work: string;
  /** SOURCE_DATE_EPOCH, from the lock (never the clock). */
  readonly epoch: number;
}

/** The environment every tool in a bake runs with on top of run()'s minimal one. */
export function bakeEnv(ctx: Pick<BakeContext, "epoch">): Record<string, string> {
  return {
    SOURCE_DATE_EPOCH: String(ctx.epoch),
    // Hash randomisation makes set/dict ordering (and so some generated files) vary run to run.
    PYTHONHASHSEED: "0",
    // Tools that honour it write no timestamps of their own; TZ fixes any that print local time.
    TZ: "UTC",
  };
}
