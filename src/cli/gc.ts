// `kiln gc [--keep N] [--dry-run]`: delete old untagged, unpinned images, and trim the bake's layer cache
// to its bound (least recently used first).
import { loadConfig } from "../config.js";
import type { GlobalOptions } from "./options.js";
import { gc as collect, type GcResult } from "../store/index.js";
import { sweepCacheTemps } from "../sources/cache.js";
import { sweepMemoryRoots } from "../bake/memory-root.js";
import { emit } from "./output.js";
import { listLayers, trimLayers } from "../bake/layers/store.js";
import { humanSize } from "../util/format.js";

/** What gc did to the bake's layer cache: entries removed (least recently used first), bytes freed and kept. */
interface LayersGc {
  readonly removed: readonly string[];
  readonly freedBytes: number;
  readonly keptBytes: number;
}

/** Trims the layer cache to its bound (kiln.toml layer_cache_max / KILN_LAYER_CACHE_MAX). */
async function gcLayers(cache: string, maxBytes: number, dryRun: boolean | undefined): Promise<LayersGc> {
  const before = (await listLayers(cache)).reduce((s, e) => s + e.bytes, 0);
  const removed = await trimLayers(cache, maxBytes, { dryRun });
  const freedBytes = removed.reduce((s, e) => s + e.bytes, 0);
  return { removed: removed.map((e) => e.hex), freedBytes, keptBytes: before - freedBytes };
}

/** What gc did (or would do), for a person. */
function human(r: GcResult & { readonly layers: LayersGc }): string {
  const verb = r.dryRun ? "would remove" : "removed";
  const lines = [
    ...r.removed.map((id) => `${verb} ${id}`),
    ...r.temps.map((t) => `${verb} stale temp ${t}`),
    ...r.inputs.map((p) => `${verb} dangling inputs entry ${p}`),
    ...r.layers.removed.map((h) => `${verb} layer ${h.slice(0, 12)}`),
  ];
  if (r.layers.removed.length || r.layers.keptBytes)
    lines.push(
      `layer cache: ${r.dryRun ? "would free" : "freed"} ${humanSize(r.layers.freedBytes)} (${r.layers.removed.length} layer(s)), ${humanSize(r.layers.keptBytes)} kept`,
    );
  lines.push(
    `${r.kept.length} kept (${r.kept.filter((k) => k.why === "tagged").length} tagged, ${r.kept.filter((k) => k.why === "pinned").length} pinned), ${r.removed.length} ${verb}`,
  );
  return lines.join("\n");
}

/** Runs gc on the store. */
export async function gc(o: GlobalOptions & { readonly keep: number; readonly dryRun?: boolean; readonly json?: boolean }): Promise<void> {
  const { store, cache, layerCacheMaxBytes } = loadConfig({ store: o.store, cache: o.cache });
  const r = await collect(store, { keep: o.keep, dryRun: o.dryRun });
  // The cache's scratch dirs of killed bakes and fetches are leftovers too.
  const cacheTemps = await sweepCacheTemps(cache, { dryRun: o.dryRun });
  const memoryRoots = await sweepMemoryRoots({ dryRun: o.dryRun });
  const layers = await gcLayers(cache, layerCacheMaxBytes, o.dryRun);
  emit(o.json, { ...r, temps: [...r.temps, ...cacheTemps, ...memoryRoots], layers }, human);
}
