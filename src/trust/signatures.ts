// Where an image's signatures live and what their files are called:
//   <store>/attestations/<hex>/manifest.<label>.sig     over manifest.json's exact bytes
//   <store>/attestations/<hex>/provenance.<label>.sig   over provenance.json's exact bytes
// <label> is the principal the signer named (--principal) or the key's SHA256 fingerprint.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { attestationsDir } from "../store/layout.js";
import { quoteInput } from "../util/quote.js";
import { errnoCode } from "../util/thrown.js";

/** Principal names: a strict word (letters, digits, '.', '_', '@', '+', '-'), as allowed_signers lists them. */
export const PRINCIPAL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

/** What is wrong with a principal name, or undefined. */
export function principalProblem(s: string): string | undefined {
  return PRINCIPAL_PATTERN.test(s)
    ? undefined
    : `must be a principal name of letters, digits, '.', '_', '@', '+', '-' (at most 128, e.g. "ci" or "release@example.org"), got ${quoteInput(s)}`;
}

/** What a signature covers. */
export type Signed = "manifest" | "provenance";

/** The file name of `label`'s signature over `what`. */
export function sigFileName(what: Signed, label: string): string {
  return `${what}.${label}.sig`;
}

/** A fingerprint `SHA256:<base64>` as a file-name label: `SHA256-<base64url>`. */
export function fingerprintLabel(fp: string): string {
  return fp
    .replace(/^SHA256:/, "SHA256-")
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** The signature files over `what` in image `id`'s attestations (sorted), as absolute paths. */
export async function signatureFiles(store: string, id: string, what: Signed): Promise<readonly string[]> {
  const dir = attestationsDir(store, id);
  const names = await readdir(dir).catch((e: unknown): string[] => {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  });
  const re = new RegExp(`^${what}\\.[^/]+\\.sig$`);
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => join(dir, n));
}
