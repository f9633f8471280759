// `kiln bake` (and the `bake` bin): bake the recipe offline from its lock into the store.
import { CheckFailed } from "../errors.js";
import { bake as runBake } from "../bake/pipeline.js";
import { checkReproducible } from "../bake/reproducible.js";
import { emit } from "./output.js";
import { loadProject } from "./project.js";

export interface BakeCliOptions {
  readonly recipe?: string;
  readonly requirements?: string;
  readonly store?: string;
  readonly cache?: string;
  readonly force?: boolean;
  readonly checkReproducible?: boolean;
  readonly json?: boolean;
  /** false with --no-cache: bake cold, neither reading nor writing the layer cache. */
  readonly layerCache?: boolean;
  readonly explain?: boolean;
}

/** Bakes and prints {image, template, manifest, inputs, cached, resumedFrom}. */
export async function bake(opts: BakeCliOptions): Promise<void> {
  const { config, recipe } = await loadProject(opts);
  const o = {
    recipe,
    requirements: config.requirements,
    store: config.store,
    cache: config.cache,
    force: opts.force,
    noCache: opts.layerCache === false,
    layerCacheMaxBytes: config.layerCacheMaxBytes,
    explain: opts.explain,
  };
  if (opts.checkReproducible) {
    const r = await checkReproducible(o);
    emit(
      opts.json,
      {
        reproducible: r.reproducible,
        image: r.first.image,
        second: r.second,
        differences: r.differences,
        template: r.first.template,
        manifest: r.first.manifest,
      },
      (x) => (x.reproducible ? `reproducible: both bakes gave ${x.image}` : `NOT reproducible: ${x.image} ≠ ${x.second}\n${x.differences.join("\n")}`),
    );
    if (!r.reproducible) throw new CheckFailed(`the two bakes differ in ${r.differences.length} path(s)`);
    return;
  }
  const r = await runBake(o);
  const { stages: _stages, ...out } = r;
  emit(
    opts.json,
    out,
    (x) =>
      `${x.cached ? "unchanged inputs, stored image" : "baked"} ${x.image}${x.resumedFrom ? ` (resumed after '${x.resumedFrom}' from the layer cache)` : ""}\n  template ${x.template}\n  manifest ${x.manifest}`,
  );
}
