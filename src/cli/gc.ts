// `kiln gc [--keep N] [--dry-run]`: delete old untagged, unpinned images.
import { loadConfig } from "../config.js";
import type { GlobalOptions } from "./options.js";
import { gc as collect, type GcResult } from "../store/index.js";
import { sweepCacheTemps } from "../sources/cache.js";
import { emit } from "./output.js";

/** What gc did (or would do), for a person. */
function human(r: GcResult): string {
  const verb = r.dryRun ? "would remove" : "removed";
  const lines = [
    ...r.removed.map((id) => `${verb} ${id}`),
    ...r.temps.map((t) => `${verb} stale temp ${t}`),
    ...r.inputs.map((p) => `${verb} dangling inputs entry ${p}`),
  ];
  lines.push(
    `${r.kept.length} kept (${r.kept.filter((k) => k.why === "tagged").length} tagged, ${r.kept.filter((k) => k.why === "pinned").length} pinned), ${r.removed.length} ${verb}`,
  );
  return lines.join("\n");
}

/** Runs gc on the store. */
export async function gc(o: GlobalOptions & { readonly keep: number; readonly dryRun?: boolean; readonly json?: boolean }): Promise<void> {
  const { store, cache } = loadConfig({ store: o.store, cache: o.cache });
  const r = await collect(store, { keep: o.keep, dryRun: o.dryRun });
  // The cache's scratch dirs of killed bakes and fetches are leftovers too.
  const cacheTemps = await sweepCacheTemps(cache, { dryRun: o.dryRun });
  emit(o.json, { ...r, temps: [...r.temps, ...cacheTemps] }, human);
}
