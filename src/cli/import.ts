// `kiln import BUNDLE`: adds the images of a kiln export bundle to the store, after verifying all of it.
import { loadConfig } from "../config.js";
import type { GlobalOptions } from "../main.js";
import { importBundle as run, type ImportResult } from "../oci/import.js";
import { emit } from "./output.js";

/** What a person reads. */
function human(r: ImportResult): string {
  return r.images.map((i) => `${i.existed ? "had" : "imported"} ${i.id} (${i.name} ${i.version}${i.recompressed ? ", re-compressed to zstd" : ""}, ${i.attestations} attestations${i.tags.length ? `, tags ${i.tags.join(", ")}` : ""})${i.tagsKept.length ? `; kept this store's tags ${i.tagsKept.join(", ")} (they name other images)` : ""}`).join("\n");
}

/** Verifies and imports a bundle. */
export async function importBundle(bundle: string, o: GlobalOptions & { readonly trust?: string; readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  emit(o.json, await run(store, bundle, { trust: o.trust }), human);
}
