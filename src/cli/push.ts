// `kiln push REF REGISTRY/REPO[:TAG]` and `kiln pull REGISTRY/REPO:TAG|@sha256:…`: thin wrappers over src/oci/registry.
import { loadConfig } from "../config.js";
import type { GlobalOptions } from "./options.js";
import type { LayerCompression } from "../oci/media-types.js";
import { push as run, type PushResult } from "../oci/registry/push.js";
import { parseRegistryRef } from "../oci/registry/reference.js";
import { UserError } from "../errors.js";
import { quoteInput } from "../util/quote.js";
import { emit } from "./output.js";

export interface RegistryOptions extends GlobalOptions {
  readonly caFile?: string;
  readonly insecureHttp?: boolean;
  readonly json?: boolean;
}

/** TLS options from flags, else KILN_REGISTRY_CA. */
export function clientOptions(o: RegistryOptions): { caFile?: string; insecureHttp?: boolean } {
  const caFile = o.caFile ?? (process.env["KILN_REGISTRY_CA"] || undefined);
  return { ...(caFile !== undefined ? { caFile } : {}), ...(o.insecureHttp ? { insecureHttp: true } : {}) };
}

/** What a person reads after a push. */
function human(r: PushResult): string {
  return `pushed ${r.id} to ${r.ref} (manifest ${r.manifest}; ${r.uploaded} blobs uploaded, ${r.skipped} already there; ${r.referrers} referrers${r.referrersTag ? `, listed under tag ${r.referrersTag}` : ""})`;
}

/** Pushes a stored image to a registry. */
export async function push(ref: string, dest: string, o: RegistryOptions & { readonly compression?: string }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  if (o.compression !== undefined && o.compression !== "gzip" && o.compression !== "zstd")
    throw new UserError({ key: "--compression", message: `${quoteInput(o.compression)} is not one of gzip, zstd` });
  const target = parseRegistryRef(dest, "REGISTRY/REPO");
  emit(o.json, await run(store, ref, target, { ...clientOptions(o), compression: o.compression as LayerCompression | undefined }), human);
}
