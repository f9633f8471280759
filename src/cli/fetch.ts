// `kiln fetch`: resolve and download every artifact, write the lock. The only networked command.
import { displayPath } from "../recipe/layer.js";
import { fetchAll, type FetchResult } from "../sources/fetch.js";
import { emit } from "./output.js";
import { loadProject } from "./project.js";

export interface FetchCliOptions {
  readonly recipe?: string;
  readonly requirements?: string;
  readonly findLinks?: string;
  readonly indexUrl?: string;
  readonly store?: string;
  readonly cache?: string;
  readonly json?: boolean;
}

/** Runs fetch and prints what the lock holds. */
export async function fetch(opts: FetchCliOptions): Promise<void> {
  const { config, recipe } = await loadProject(opts);
  const r = await fetchAll({ recipe, requirements: config.requirements, cache: config.cache, findLinks: config.findLinks, indexUrl: config.indexUrl });
  emit(opts.json, { ...r, lock: displayPath(r.lock) }, (x: FetchResult) =>
    `${x.changed ? "wrote" : "unchanged:"} ${x.lock}: ${x.debs} debs (${x.downloaded} downloaded), ${x.wheels} wheels, ${x.checkouts} checkouts`,
  );
}
