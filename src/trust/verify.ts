// Checking signatures with an allowed_signers file (git's format): for each signature over the manifest,
// ssh-keygen -Y find-principals says whose key made it, then -Y verify checks it over the manifest's
// exact bytes for that principal. Only a principal whose verify passes counts as a signer.
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { CheckFailed, UserError } from "../errors.js";
import { sshCheckNovalidateArgv, sshFindPrincipalsArgv, sshVerifyArgv } from "../exec/argv/ssh-keygen.js";
import { run } from "../exec/run.js";
import { verifiedImage } from "../store/index.js";
import type { StoredImage } from "../store/types.js";
import { quoteInput } from "../util/quote.js";
import { signatureFiles } from "./signatures.js";

/** One signature file and what it proved. */
export interface SignatureVerdict {
  readonly file: string;
  /** Principals allowed_signers lists for the signing key. */
  readonly claimed: readonly string[];
  /** Those of `claimed` whose signature verifies over this manifest. */
  readonly valid: readonly string[];
}

/** Refuses an allowed_signers path that is not a readable file. */
export async function checkAllowedSigners(path: string, key = "--allowed-signers"): Promise<void> {
  const ok = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!ok)
    throw new UserError({ key, message: `${quoteInput(path)} is not a file: give an allowed_signers file ("PRINCIPAL KEYTYPE BASE64" lines, as git uses)` });
}

/** Principals allowed_signers lists for the key that made `sig` (none: exit 1 of find-principals). */
async function findPrincipals(allowedSigners: string, sig: string): Promise<string[]> {
  const r = await run(sshFindPrincipalsArgv({ allowedSigners, sig }), { allowFailure: true });
  if (r.exitCode !== 0) return [];
  return [
    ...new Set(
      r.stdout
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** Every manifest signature of `image`, each checked for every principal its key is listed under. */
export async function checkSignatures(store: string, image: StoredImage, allowedSigners: string): Promise<readonly SignatureVerdict[]> {
  return checkSignatureFiles(await readFile(image.manifest), await signatureFiles(store, image.id, "manifest"), allowedSigners);
}

/** Checks signature `files` over the manifest bytes `data` (a stored image's, or one a bundle brings). */
export async function checkSignatureFiles(data: Buffer, files: readonly string[], allowedSigners: string): Promise<readonly SignatureVerdict[]> {
  const out: SignatureVerdict[] = [];
  for (const file of files) {
    const claimed = await findPrincipals(allowedSigners, file);
    const valid: string[] = [];
    for (const principal of claimed) {
      const r = await run(sshVerifyArgv({ allowedSigners, principal, sig: file }), { input: data, allowFailure: true });
      if (r.exitCode === 0) valid.push(principal);
    }
    out.push({ file, claimed, valid });
  }
  return out;
}

/** One line per signature: what was found (for the failure message and for inspect). */
export function describeVerdicts(v: readonly SignatureVerdict[]): string {
  if (!v.length) return "no signatures";
  return v
    .map((s) => {
      const name = basename(s.file);
      if (!s.claimed.length) return `${name}: key not in allowed signers (or not a readable signature)`;
      if (!s.valid.length) return `${name}: by ${s.claimed.map((p) => quoteInput(p)).join(", ")}, but it does not verify over this manifest`;
      return `${name}: valid, by ${s.valid.map((p) => quoteInput(p)).join(", ")}`;
    })
    .join("; ");
}

export interface TrustPolicy {
  readonly allowedSigners: string;
  /** All required; empty: at least one valid signature by anyone in allowed_signers. */
  readonly principals: readonly string[];
  /** Also require provenance.json describing the image, signed like the manifest (provenance-verify.ts). */
  readonly requireProvenance?: boolean;
}

/**
 * Verifies image `id`: its template hashes to what the manifest says (verifiedImage) and the manifest
 * carries a valid signature by every required principal. Throws CheckFailed naming the image, the signers
 * expected and what was found.
 */
export async function requireSigned(store: string, id: string, policy: TrustPolicy): Promise<readonly SignatureVerdict[]> {
  await checkAllowedSigners(policy.allowedSigners);
  const { image } = await verifiedImage(store, id);
  return requireSignedVerified(store, image, policy);
}

/** requireSigned for an image whose template was already verified against its manifest. */
export async function requireSignedVerified(store: string, image: StoredImage, policy: TrustPolicy): Promise<readonly SignatureVerdict[]> {
  await checkAllowedSigners(policy.allowedSigners);
  return enforcePolicy(image.id, await checkSignatures(store, image, policy.allowedSigners), policy);
}

/** Throws CheckFailed unless `verdicts` hold a valid signature by every required principal (or by anyone). */
export function enforcePolicy(id: string, verdicts: readonly SignatureVerdict[], policy: TrustPolicy): readonly SignatureVerdict[] {
  const valid = new Set(verdicts.flatMap((v) => v.valid));
  const missing = policy.principals.filter((p) => !valid.has(p));
  if (missing.length || valid.size === 0) {
    const expected = policy.principals.length ? `by ${missing.map((p) => quoteInput(p)).join(" and ")}` : "by any principal";
    throw new CheckFailed(
      `${id} is not signed ${expected} in ${quoteInput(policy.allowedSigners)}: found ${describeVerdicts(verdicts)} (sign it: kiln sign REF --key KEY --principal NAME)`,
    );
  }
  return verdicts;
}

/** Without allowed_signers: the fingerprint of the key each signature verifies with, or why it does not. */
export async function signatureKeys(image: StoredImage, files: readonly string[]): Promise<readonly { readonly file: string; readonly key?: string }[]> {
  const data = await readFile(image.manifest);
  const out: { file: string; key?: string }[] = [];
  for (const file of files) {
    const r = await run(sshCheckNovalidateArgv(file), { input: data, allowFailure: true });
    const key = r.exitCode === 0 ? /\bSHA256:[A-Za-z0-9+/]+=*/.exec(r.stdout + r.stderr)?.[0] : undefined;
    out.push({ file, key });
  }
  return out;
}
