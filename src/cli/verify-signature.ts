// `kiln verify-signature REF --allowed-signers FILE [--principal P…] [--require-provenance]`: exit 0 when every
// required principal signed the manifest (and the template hashes to what it says), 1 otherwise. Who signed the
// provenance is always reported; with --require-provenance it must be signed the same way.
import { loadConfig } from "../config.js";
import { UserError } from "../errors.js";
import type { GlobalOptions } from "./options.js";
import { resolveStored, verifiedImage } from "../store/index.js";
import { principalProblem } from "../trust/signatures.js";
import { describeProvenance, requireTrusted } from "../trust/provenance-verify.js";
import { checkAllowedSigners, describeVerdicts } from "../trust/verify.js";
import { emit } from "./output.js";

/** Verifies REF's signatures against the allowed_signers file. */
export async function verifySignature(
  ref: string,
  o: GlobalOptions & { readonly allowedSigners: string; readonly principal?: readonly string[]; readonly requireProvenance?: boolean; readonly json?: boolean },
): Promise<void> {
  const principals = o.principal ?? [];
  const bad = principals.flatMap((p) => principalProblem(p) ?? []);
  if (bad.length) throw new UserError(bad.map((message) => ({ key: "--principal", message })));
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const id = (await resolveStored(store, ref)).id;
  await checkAllowedSigners(o.allowedSigners);
  const { image, manifest } = await verifiedImage(store, id);
  const v = await requireTrusted(store, image, manifest, { allowedSigners: o.allowedSigners, principals, requireProvenance: o.requireProvenance === true });
  emit(
    o.json,
    { image: id, ok: true, signatures: v.signatures, provenance: v.provenance },
    (r) => `ok: ${r.image}: ${describeVerdicts(r.signatures)}\nprovenance: ${describeProvenance(r.provenance)}`,
  );
}
