// The fetch plan: which artifacts a lock names that the cache does not hold yet. `kiln fetch` downloads
// exactly these and nothing else; an empty plan means no network at all.
import type { Lock, LockedCheckout, LockedDeb, LockedWheel } from "../lock/types.js";
import { debCachePath } from "./apt/deb-cache.js";
import { isFile } from "./cache.js";
import { checkoutTarball } from "./checkouts.js";
import { wheelPath } from "./wheels.js";

/** The locked artifacts missing from the cache, per kind (in lock order). */
export interface FetchPlan {
  readonly debs: readonly LockedDeb[];
  readonly wheels: readonly LockedWheel[];
  readonly checkouts: readonly LockedCheckout[];
}

/** True when the plan downloads nothing. */
export function isEmptyPlan(p: FetchPlan): boolean {
  return p.debs.length + p.wheels.length + p.checkouts.length === 0;
}

/**
 * Every artifact of `lock` whose cache entry is absent. Presence only (a stat per artifact, so a full
 * cache answers in milliseconds); bake re-hashes every artifact before it uses it.
 */
export async function planFetch(o: { readonly lock: Lock; readonly cache: string }): Promise<FetchPlan> {
  const absent = async <T>(items: readonly T[], path: (x: T) => string): Promise<T[]> => {
    const has = await Promise.all(items.map((x) => isFile(path(x))));
    return items.filter((_, i) => !has[i]);
  };
  return {
    debs: await absent(o.lock.debs, (d) => debCachePath(o.cache, d.sha256)),
    wheels: await absent(o.lock.wheels, (w) => wheelPath(o.cache, w)),
    checkouts: await absent(o.lock.checkouts, (c) => checkoutTarball(o.cache, c.sha256)),
  };
}
