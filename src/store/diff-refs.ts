// `kiln diff A B`: resolve two refs and compare their manifests and file indexes.
import { compareVersionStrings } from "../requirements/pep440.js";
import { compareDebVersions } from "../debian/version.js";
import { diffImages, type ImageDiff } from "./image-diff.js";
import { readIndex, readManifest } from "./read.js";
import { resolveStored } from "./refs.js";

/** The difference from image `a` to image `b`, versions ordered the Debian and PEP 440 ways. */
export async function diffRefs(store: string, a: string, b: string): Promise<ImageDiff> {
  const [ia, ib] = await Promise.all([resolveStored(store, a), resolveStored(store, b)]);
  const [ma, mb, fa, fb] = await Promise.all([readManifest(store, ia.id), readManifest(store, ib.id), readIndex(store, ia.id), readIndex(store, ib.id)]);
  return diffImages({ a: ma, b: mb, aFiles: fa, bFiles: fb, debOrder: compareDebVersions, pythonOrder: compareVersionStrings });
}
