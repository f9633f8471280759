// `kiln store verify [REF…]`: every entry (or the named ones) checked the whole way: manifest parses,
// agrees with its directory, paths confined to it, compressed sha256 as recorded, uncompressed tar = id.
import { KilnError, UserError } from "../errors.js";
import { DamagedEntry, manifestProblems } from "./integrity.js";
import { hexOf } from "./layout.js";
import { imageIds, readManifest, storedImage } from "./read.js";
import { resolveRefId } from "./refs.js";
import type { Manifest } from "./types.js";
import { openVerifiedTemplate } from "./verify.js";

/** One entry's verdict: ok, or what is wrong with it. */
export interface EntryVerdict {
  readonly id: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/** Verifies one entry completely; never throws for damage (it is the verdict). */
async function verifyEntry(store: string, id: string): Promise<EntryVerdict> {
  let m: Manifest;
  try {
    m = await readManifest(store, id);
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    return { id, ok: false, problems: [`manifest.json: ${e.message.split("; the store entry")[0]}`] };
  }
  const problems = manifestProblems(hexOf(id), m);
  // A manifest whose paths leave the directory is not followed: nothing outside the store is read.
  if (problems.length) return { id, ok: false, problems };
  try {
    await openVerifiedTemplate(storedImage(store, m), m).finish();
  } catch (e) {
    if (!(e instanceof DamagedEntry)) throw e;
    return { id, ok: false, problems: [e.what] };
  }
  return { id, ok: true, problems: [] };
}

/** Verdicts for the entries `refs` name (every entry when none), in id order. */
export async function verifyStore(store: string, refs: readonly string[] = []): Promise<readonly EntryVerdict[]> {
  const ids: string[] = [];
  for (const ref of refs) {
    const r = await resolveRefId(store, ref);
    if (r.kind === "file") throw new UserError(`${r.path} is a template file that is not in the store: kiln store verify checks stored images`);
    ids.push(r.id);
  }
  const chosen = refs.length ? [...new Set(ids)].sort() : [...(await imageIds(store))];
  const out: EntryVerdict[] = [];
  for (const id of chosen) out.push(await verifyEntry(store, id));
  return out;
}
