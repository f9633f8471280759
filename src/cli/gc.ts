// `kiln gc [--keep N] [--dry-run]`: delete old untagged, unpinned images.
import { loadConfig } from "../config.js";
import type { GlobalOptions } from "../main.js";
import { gc as collect, type GcResult } from "../store/index.js";
import { emit } from "./output.js";

/** What gc did (or would do), for a person. */
function human(r: GcResult): string {
  const verb = r.dryRun ? "would remove" : "removed";
  const lines = [...r.removed.map((id) => `${verb} ${id}`), ...r.temps.map((t) => `${verb} stale temp ${t}`), ...r.inputs.map((p) => `${verb} dangling inputs entry ${p}`)];
  lines.push(`${r.kept.length} kept (${r.kept.filter((k) => k.why === "tagged").length} tagged, ${r.kept.filter((k) => k.why === "pinned").length} pinned), ${r.removed.length} ${verb}`);
  return lines.join("\n");
}

/** Runs gc on the store. */
export async function gc(o: GlobalOptions & { readonly keep: number; readonly dryRun?: boolean; readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  emit(o.json, await collect(store, { keep: o.keep, dryRun: o.dryRun }), human);
}
