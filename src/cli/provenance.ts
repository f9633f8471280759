// `kiln provenance REF [--lock FILE]`: (re)writes the image's SLSA provenance statement and prints it.
import { loadConfig } from "../config.js";
import type { GlobalOptions } from "./options.js";
import { readLock } from "../lock/lock.js";
import { readManifest, resolveStored } from "../store/index.js";
import { buildProvenance, provenanceText, writeProvenance } from "../trust/provenance.js";

/** Builds REF's statement from its manifest (and the lock it was baked from), stores and prints it. */
export async function provenance(ref: string, o: GlobalOptions & { readonly lock?: string }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const m = await readManifest(store, (await resolveStored(store, ref)).id);
  const lock = o.lock === undefined ? null : await readLock(o.lock);
  const text = provenanceText(buildProvenance(m, lock));
  const path = await writeProvenance(store, m, lock);
  process.stderr.write(`wrote ${path}\n`);
  process.stdout.write(text);
}
