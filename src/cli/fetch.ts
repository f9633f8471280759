// `kiln fetch`: download exactly what the fresh lock names into the cache (npm ci semantics). Never
// resolves, never writes the lock; `kiln lock` is the explicit re-resolve.
import type { ConfigOverrides } from "../config.js";
import { displayPath } from "../util/display-path.js";
import { fetchLocked, type FetchLockedResult } from "../sources/fetch-locked.js";
import { emit } from "./output.js";
import { loadProject } from "./project.js";

export interface FetchCliOptions extends ConfigOverrides {
  readonly json?: boolean;
}

/** Runs fetch and prints what the lock names and what had to be downloaded. */
export async function fetch(opts: FetchCliOptions): Promise<void> {
  const { config, recipe } = await loadProject(opts);
  const r = await fetchLocked({ recipe, requirements: config.requirements, cache: config.cache, findLinks: config.findLinks, indexUrl: config.indexUrl });
  emit(opts.json, { ...r, lock: displayPath(r.lock) }, (x: FetchLockedResult) => {
    const d = x.downloaded;
    const got =
      d.debs + d.wheels + d.checkouts === 0 ? "all cached, nothing downloaded" : `downloaded ${d.debs} debs, ${d.wheels} wheels, ${d.checkouts} checkouts`;
    return `${x.lock}: ${x.debs} debs, ${x.wheels} wheels, ${x.checkouts} checkouts; ${got}`;
  });
}
