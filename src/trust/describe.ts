// Who signed what, for `kiln inspect`: with an allowed_signers file, the principals whose signature
// verifies over the manifest; without one, only the key each signature verifies with (no identity claimed).
import { basename, join } from "node:path";
import { attestationsDir } from "../store/layout.js";
import type { StoredImage } from "../store/types.js";
import { PROVENANCE_FILE } from "./provenance.js";
import { signatureFiles } from "./signatures.js";
import { checkAllowedSigners, checkSignatures, describeVerdicts, signatureKeys } from "./verify.js";
import { stat } from "node:fs/promises";

/** Lines `signed:` / `provenance:` for inspect's human output. */
export async function signatureLines(store: string, image: StoredImage, allowedSigners?: string): Promise<string[]> {
  const prov = join(attestationsDir(store, image.id), PROVENANCE_FILE);
  const hasProv = await stat(prov).then(
    () => true,
    () => false,
  );
  const provSigs = (await signatureFiles(store, image.id, "provenance")).map((f) => basename(f));
  const lines = [`provenance: ${hasProv ? `${prov}${provSigs.length ? ` (signatures: ${provSigs.join(", ")})` : " (unsigned)"}` : "-"}`];
  const files = await signatureFiles(store, image.id, "manifest");
  if (!files.length) return [...lines, "signed:    - (kiln sign REF --key KEY)"];
  if (allowedSigners !== undefined) {
    await checkAllowedSigners(allowedSigners);
    const verdicts = await checkSignatures(store, image, allowedSigners);
    return [...lines, ...verdicts.map((v) => `signed:    ${describeVerdicts([v])}`)];
  }
  const keys = await signatureKeys(image, files);
  return [
    ...lines,
    ...keys.map(
      (k) =>
        `signed:    ${basename(k.file)}: ${k.key ? `valid, key ${k.key} (signer not checked: give --allowed-signers)` : "does not verify over this manifest"}`,
    ),
  ];
}
