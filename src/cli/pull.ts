// `kiln pull REGISTRY/REPO:TAG|@sha256:…`: downloads, verifies completely, imports (the path of kiln import).
import { loadConfig } from "../config.js";
import { pull as run, type PullResult } from "../oci/registry/pull.js";
import { parseRegistryRef } from "../oci/registry/reference.js";
import { human as imported, type TrustOptions, trustPolicy } from "./import.js";
import { emit } from "./output.js";
import { clientOptions, type RegistryOptions } from "./push.js";

/** Pulls an image from a registry into the store. */
export async function pull(src: string, o: RegistryOptions & TrustOptions): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const ref = parseRegistryRef(src, "REGISTRY/REPO");
  const trust = trustPolicy(o);
  emit(
    o.json,
    await run(store, ref, { ...clientOptions(o), ...(trust ? { trust } : {}) }),
    (r: PullResult) => `${imported(r)}\nfrom ${r.ref} (manifest ${r.manifest}, ${r.referrers} referrers)`,
  );
}
