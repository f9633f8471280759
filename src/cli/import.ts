// `kiln import BUNDLE`: adds the images of a kiln export bundle to the store, after verifying all of it.
import { resolve } from "node:path";
import { loadConfig } from "../config.js";
import { UserError } from "../errors.js";
import { principalProblem } from "../trust/signatures.js";
import type { GlobalOptions } from "./options.js";
import { importBundle as run, type ImportResult } from "../oci/import.js";
import { emit } from "./output.js";

/** What a person reads. */
function human(r: ImportResult): string {
  return r.images.map((i) => `${i.existed ? "had" : "imported"} ${i.id} (${i.name} ${i.version}${i.recompressed ? ", re-compressed to zstd" : ""}, ${i.attestations} attestations${i.tags.length ? `, tags ${i.tags.join(", ")}` : ""})${i.tagsKept.length ? `; kept this store's tags ${i.tagsKept.join(", ")} (they name other images)` : ""}`).join("\n");
}

/** Verifies and imports a bundle. */
export async function importBundle(bundle: string, o: GlobalOptions & { readonly trust?: string; readonly principal?: string[]; readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const principals = o.principal ?? [];
  const bad = principals.flatMap((p) => (principalProblem(p) ? [{ key: "--principal", message: principalProblem(p) as string }] : []));
  if (bad.length) throw new UserError(bad, { hint: "nothing was imported" });
  const trust = o.trust === undefined ? undefined : { allowedSigners: resolve(o.trust), principals };
  if (!trust && principals.length) throw new UserError({ key: "--principal", message: "goes with --trust ALLOWED_SIGNERS: name the file the principals are listed in" });
  emit(o.json, await run(store, bundle, { trust }), human);
}
