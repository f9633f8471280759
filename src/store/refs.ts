// REF resolution: `sha256:<hex>`, a unique hex prefix of at least 12 digits, a tag, or a template path.
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { templateImageId } from "../archive/index.js";
import { UserError } from "../errors.js";
import { assertManifestSound } from "./integrity.js";
import { hexOf } from "./layout.js";
import { hasImage, imageIds, readManifest, storedImage } from "./read.js";
import { readTag } from "./tags.js";
import type { ImageRef, StoredImage } from "./types.js";

/** Shortest id prefix accepted: 12 hex digits are what `kiln images` shows. */
export const MIN_PREFIX = 12;

/** The stored image with id `id`; a manifest that disagrees with its directory or names a path outside it is refused. */
async function stored(store: string, id: string): Promise<ImageRef> {
  const m = await readManifest(store, id);
  assertManifestSound(m, hexOf(id));
  return { kind: "stored", ...storedImage(store, m) };
}

/** True if `path` is an existing regular file (following symlinks, as a user's path would). */
async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The error for a ref that names nothing. */
function unknown(ref: string): UserError {
  return new UserError(`no image matches '${ref}' (kiln images lists them)`);
}

/** Images whose hex id starts with `prefix`. */
async function byPrefix(store: string, prefix: string): Promise<readonly string[]> {
  return (await imageIds(store)).filter((id) => id.startsWith(`sha256:${prefix}`));
}

/**
 * Resolves a REF. A template path resolves to the stored image with the same id when the store has it,
 * else to `{kind: "file"}` (for commands that accept files, like `kiln check`).
 */
export async function resolveRef(store: string, ref: string): Promise<ImageRef> {
  const r = await resolveRefId(store, ref);
  return r.kind === "file" ? r : stored(store, r.id);
}

/** What a REF names, by id only (reads no manifest, so it works on a damaged entry: kiln store verify). */
export async function resolveRefId(
  store: string,
  ref: string,
): Promise<{ readonly kind: "stored"; readonly id: string } | { readonly kind: "file"; readonly path: string; readonly id: string }> {
  const hex = /^(?:sha256:)?([0-9a-f]+)$/.exec(ref)?.[1];
  if (hex !== undefined && (hex.length >= MIN_PREFIX || ref.startsWith("sha256:"))) {
    if (hex.length < MIN_PREFIX) throw new UserError(`'${ref}' is too short an id prefix: give at least ${MIN_PREFIX} hex digits (kiln images lists them)`);
    const matches = await byPrefix(store, hex);
    if (matches.length === 1 && matches[0]) return { kind: "stored", id: matches[0] };
    if (matches.length > 1) throw new UserError(`'${ref}' matches ${matches.length} images: ${matches.join(", ")}; give more hex digits`);
    if (ref.startsWith("sha256:") || !(await isFile(ref))) throw unknown(ref);
  }
  const tagged = await readTag(store, ref);
  if (tagged && (await hasImage(store, tagged))) return { kind: "stored", id: tagged };
  if (await isFile(ref)) {
    const path = resolve(ref);
    const id = await templateImageId(path);
    return (await hasImage(store, id)) ? { kind: "stored", id } : { kind: "file", path, id };
  }
  if (hex !== undefined) throw new UserError(`'${ref}' is too short an id prefix: give at least ${MIN_PREFIX} hex digits (kiln images lists them)`);
  throw unknown(ref);
}

/** Resolves a REF that must name an image in the store (a template file the store lacks is refused). */
export async function resolveStored(store: string, ref: string): Promise<StoredImage> {
  const r = await resolveRef(store, ref);
  if (r.kind === "file") throw new UserError(`${r.path} is a template file that is not in the store: add it with kiln pack, or give an image reference`);
  const { kind: _kind, ...image } = r;
  return image;
}
