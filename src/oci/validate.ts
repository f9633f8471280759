// Every value read from a bundle is checked here before it is used: digests as sha256:<64 hex>,
// sizes as safe integers equal to the blob's, media types from a fixed list, names by strict patterns.
import { readFile } from "node:fs/promises";
import { quoteValue } from "../util/quote.js";
import { bad, MAX_JSON_BYTES, type ExtractedLayout } from "./extract.js";
import { blobPath, DIGEST_RE } from "./layout.js";
import type { Descriptor } from "./manifest.js";

/** Ref names accepted in index.json (what `skopeo oci:DIR:NAME` also accepts). */
export const REF_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A JSON object or a bad-input error. */
export function asObject(v: unknown, file: string, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(file, `${where}: expected a JSON object, got ${quoteValue(v)}`);
  return v as Record<string, unknown>;
}

/** A JSON array or a bad-input error. */
export function asArray(v: unknown, file: string, where: string): readonly unknown[] {
  if (!Array.isArray(v)) throw bad(file, `${where}: expected a JSON array, got ${quoteValue(v)}`);
  return v;
}

/** A digest "sha256:<64 lowercase hex>". */
export function asDigest(v: unknown, file: string, where: string): string {
  if (typeof v !== "string" || !DIGEST_RE.test(v)) throw bad(file, `${where}: ${quoteValue(v)} is not a sha256:<64 hex> digest`);
  return v;
}

/** A string from a fixed list. */
export function asOneOf(v: unknown, allowed: readonly string[], file: string, where: string): string {
  if (typeof v !== "string" || !allowed.includes(v)) throw bad(file, `${where}: ${quoteValue(v)} is not one of ${allowed.join(", ")}`);
  return v;
}

/** A string matching `re`. */
export function asMatching(v: unknown, re: RegExp, file: string, where: string): string {
  if (typeof v !== "string" || !re.test(v)) throw bad(file, `${where}: ${quoteValue(v)} does not match ${re.source}`);
  return v;
}

/** A descriptor whose blob the bundle holds with exactly that size; `types` are its allowed media types. */
export function asDescriptor(v: unknown, types: readonly string[], layout: ExtractedLayout, file: string, where: string): Descriptor {
  const o = asObject(v, file, where);
  const mediaType = asOneOf(o["mediaType"], types, file, `${where}.mediaType`);
  const digest = asDigest(o["digest"], file, `${where}.digest`);
  const size = o["size"];
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw bad(file, `${where}.size: ${quoteValue(size)} is not a whole number of bytes`);
  const held = layout.blobs.get(digest);
  if (held === undefined) throw bad(file, `${where}: blob ${digest} is missing from the bundle`);
  if (held !== size) throw bad(file, `${where}: blob ${digest} is ${held} bytes, the descriptor says ${size}`);
  const annotations = o["annotations"] === undefined ? undefined : asAnnotations(o["annotations"], file, `${where}.annotations`);
  const artifactType = o["artifactType"] === undefined ? undefined : String(o["artifactType"]);
  return { mediaType, digest, size, ...(artifactType !== undefined ? { artifactType } : {}), ...(annotations ? { annotations } : {}) };
}

/** A string → string record. */
function asAnnotations(v: unknown, file: string, where: string): Record<string, string> {
  const o = asObject(v, file, where);
  for (const [k, x] of Object.entries(o)) if (typeof x !== "string") throw bad(file, `${where}.${k}: expected a string, got ${quoteValue(x)}`);
  return o as Record<string, string>;
}

/** Reads and parses a (verified, size-checked) JSON blob. */
export async function readJsonBlob(layout: ExtractedLayout, d: Descriptor, file: string, where: string): Promise<unknown> {
  if (d.size > MAX_JSON_BYTES) throw bad(file, `${where}: ${d.size} bytes, over ${MAX_JSON_BYTES} for a JSON blob`);
  const text = await readFile(blobPath(layout.dir, d.digest), "utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw bad(file, `${where}: blob ${d.digest} is not JSON (${(e as Error).message})`);
  }
}
