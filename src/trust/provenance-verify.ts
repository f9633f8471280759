// Checking an image's provenance: provenance.json must be an in-toto statement whose subjects are this
// image (the compressed template's sha256 and the image id), and its signatures (provenance.<label>.sig)
// are checked with allowed_signers like the manifest's. A statement copied from another image binds nothing.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CheckFailed } from "../errors.js";
import { attestationsDir, hexOf } from "../store/layout.js";
import type { Manifest, StoredImage } from "../store/types.js";
import { quoteInput } from "../util/quote.js";
import { PREDICATE_TYPE, PROVENANCE_FILE, STATEMENT_TYPE } from "./provenance.js";
import { signatureFiles } from "./signatures.js";
import { checkSignatureFiles, describeVerdicts, requireSignedVerified, type SignatureVerdict, type TrustPolicy } from "./verify.js";

/** What the provenance of one image proved. */
export interface ProvenanceVerdict {
  /** undefined: there is a statement and it describes this image; else why it does not count. */
  readonly problem?: string;
  /** Signatures over provenance.json's bytes (none checked when there is a problem). */
  readonly signatures: readonly SignatureVerdict[];
}

/** Why statement `data` does not describe image `m` (undefined when it does). */
export function provenanceSubjectProblem(data: Buffer, m: Manifest): string | undefined {
  let s: unknown;
  try {
    s = JSON.parse(data.toString("utf8"));
  } catch {
    return "provenance.json is not JSON";
  }
  const st = s as { _type?: unknown; predicateType?: unknown; subject?: unknown };
  if (st._type !== STATEMENT_TYPE || st.predicateType !== PREDICATE_TYPE) return `provenance.json is not an in-toto v1 statement of SLSA provenance v1`;
  const digests = new Set(
    (Array.isArray(st.subject) ? st.subject : []).map((x: unknown) => String((x as { digest?: { sha256?: unknown } } | null)?.digest?.sha256 ?? "")),
  );
  const want = [m.template.sha256, hexOf(m.image)];
  const missing = want.filter((d) => !digests.has(d));
  return missing.length ? `provenance.json does not name this image as its subject (sha256 ${missing.join(", ")} missing): it is another image's` : undefined;
}

/** Checks provenance bytes `data` (undefined: none) and signature `files` over them, for image `m`. */
export async function checkProvenanceFiles(
  m: Manifest,
  data: Buffer | undefined,
  files: readonly string[],
  allowedSigners: string,
): Promise<ProvenanceVerdict> {
  if (data === undefined) return { problem: "no provenance.json (kiln provenance REF --lock LOCK writes it)", signatures: [] };
  const problem = provenanceSubjectProblem(data, m);
  if (problem) return { problem, signatures: [] };
  return { signatures: await checkSignatureFiles(data, files, allowedSigners) };
}

/** The provenance of stored image `m`, checked. */
export async function checkProvenance(store: string, m: Manifest, allowedSigners: string): Promise<ProvenanceVerdict> {
  const data = await readFile(join(attestationsDir(store, m.image), PROVENANCE_FILE)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  return checkProvenanceFiles(m, data, await signatureFiles(store, m.image, "provenance"), allowedSigners);
}

/** One line: what the provenance check found. */
export function describeProvenance(v: ProvenanceVerdict): string {
  return v.problem ?? (v.signatures.length ? describeVerdicts(v.signatures) : "unsigned (kiln sign REF --key KEY signs it)");
}

/** Throws CheckFailed unless the provenance describes image `id` and is signed by every required principal (or anyone). */
export function enforceProvenance(id: string, v: ProvenanceVerdict, policy: TrustPolicy): ProvenanceVerdict {
  const valid = new Set(v.signatures.flatMap((s) => s.valid));
  const missing = policy.principals.filter((p) => !valid.has(p));
  if (v.problem || missing.length || valid.size === 0) {
    const expected = policy.principals.length ? `by ${missing.map((p) => quoteInput(p)).join(" and ")}` : "by any principal";
    const found = v.problem ?? `found ${describeVerdicts(v.signatures)}`;
    throw new CheckFailed(
      `${id}: a signed provenance is required, but it is not signed ${expected} in ${quoteInput(policy.allowedSigners)}: ${found} (sign it: kiln sign REF --key KEY --principal NAME)`,
    );
  }
  return v;
}

/** What a trusted image's check found: the manifest's signatures and the provenance's. */
export interface TrustVerdict {
  readonly signatures: readonly SignatureVerdict[];
  readonly provenance: ProvenanceVerdict;
}

/**
 * The whole check of stored image `image` (its template already verified against manifest `m`): the
 * manifest signed per `policy`, and with requireProvenance its provenance too. The provenance is always
 * checked and reported; it is enforced only when the policy requires it.
 */
export async function requireTrusted(store: string, image: StoredImage, m: Manifest, policy: TrustPolicy): Promise<TrustVerdict> {
  const signatures = await requireSignedVerified(store, image, policy);
  const provenance = await checkProvenance(store, m, policy.allowedSigners);
  if (policy.requireProvenance) enforceProvenance(image.id, provenance, policy);
  return { signatures, provenance };
}
