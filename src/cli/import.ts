// `kiln import BUNDLE`: adds the images of a kiln export bundle to the store, after verifying all of it.
import { resolve } from "node:path";
import { loadConfig } from "../config.js";
import { UserError } from "../errors.js";
import { principalProblem } from "../trust/signatures.js";
import type { GlobalOptions } from "./options.js";
import { importBundle as run, type ImportResult } from "../oci/import.js";
import type { TrustPolicy } from "../trust/verify.js";
import { emit } from "./output.js";

/** What a person reads. */
export function human(r: ImportResult): string {
  return r.images
    .map(
      (i) =>
        `${i.existed ? "had" : "imported"} ${i.id} (${i.name} ${i.version}${i.recompressed ? ", re-compressed to zstd" : ""}, ${i.attestations} attestations${i.tags.length ? `, tags ${i.tags.join(", ")}` : ""})${i.tagsKept.length ? `; kept this store's tags ${i.tagsKept.join(", ")} (they name other images)` : ""}`,
    )
    .join("\n");
}

/** The --trust policy of import or pull (undefined without --trust); bad principals are refused, nothing imported. */
export function trustPolicy(o: TrustOptions): TrustPolicy | undefined {
  const principals = o.principal ?? [];
  const bad = principals.flatMap((p) => (principalProblem(p) ? [{ key: "--principal", message: principalProblem(p) as string }] : []));
  if (bad.length) throw new UserError(bad, { hint: "nothing was imported" });
  for (const [key, given] of [
    ["--principal", principals.length > 0],
    ["--require-provenance", o.requireProvenance === true],
  ] as const)
    if (o.trust === undefined && given) throw new UserError({ key, message: "goes with --trust ALLOWED_SIGNERS: name the file the principals are listed in" });
  return o.trust === undefined ? undefined : { allowedSigners: resolve(o.trust), principals, requireProvenance: o.requireProvenance === true };
}

/** The trust options import and pull share. */
export interface TrustOptions {
  readonly trust?: string;
  readonly principal?: string[];
  readonly requireProvenance?: boolean;
}

/** Verifies and imports a bundle. */
export async function importBundle(bundle: string, o: GlobalOptions & TrustOptions & { readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  emit(o.json, await run(store, bundle, { trust: trustPolicy(o) }), human);
}
