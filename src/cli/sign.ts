// `kiln sign REF --key KEY [--principal NAME]`: SSH signatures over the manifest (and provenance) into <store>/attestations/<hex>/.
import { loadConfig } from "../config.js";
import type { GlobalOptions } from "./options.js";
import { signImage } from "../trust/sign.js";
import { emit } from "./output.js";

/** Signs REF; prints the signature files written. */
export async function sign(ref: string, o: GlobalOptions & { readonly key: string; readonly principal?: string; readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const r = await signImage({ store, ref, key: o.key, principal: o.principal });
  emit(o.json, r, (v) => [`signed ${v.image}`, ...v.signatures.map((s) => `  ${s}`)].join("\n"));
}
