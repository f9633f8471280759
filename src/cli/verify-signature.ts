// `kiln verify-signature REF --allowed-signers FILE [--principal P…]`: exit 0 when every required principal
// signed the manifest (and the template hashes to what it says), 1 otherwise.
import { loadConfig } from "../config.js";
import { UserError } from "../errors.js";
import type { GlobalOptions } from "./options.js";
import { resolveStored } from "../store/index.js";
import { principalProblem } from "../trust/signatures.js";
import { describeVerdicts, requireSigned } from "../trust/verify.js";
import { emit } from "./output.js";

/** Verifies REF's signatures against the allowed_signers file. */
export async function verifySignature(
  ref: string,
  o: GlobalOptions & { readonly allowedSigners: string; readonly principal?: readonly string[]; readonly json?: boolean },
): Promise<void> {
  const principals = o.principal ?? [];
  const bad = principals.flatMap((p) => principalProblem(p) ?? []);
  if (bad.length) throw new UserError(bad.map((message) => ({ key: "--principal", message })));
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const id = (await resolveStored(store, ref)).id;
  const verdicts = await requireSigned(store, id, { allowedSigners: o.allowedSigners, principals });
  emit(o.json, { image: id, ok: true, signatures: verdicts }, (v) => `ok: ${v.image}: ${describeVerdicts(v.signatures)}`);
}
