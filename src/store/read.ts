// Reading the store: which images it holds, their manifests, file indexes and when they were added.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { IndexEntry } from "../archive/types.js";
import { ADDED_FILE, imageDir, imagesDir, INDEX_FILE, listDir, MANIFEST_FILE, SBOM_FILE } from "./layout.js";
import { readManifestFile } from "./manifest.js";
import { parseIndex } from "./files-index.js";
import { tagsById } from "./tags.js";
import type { ImageSummary, Manifest, StoredImage } from "./types.js";

/** Paths of a stored image's files, given its manifest. */
export function storedImage(store: string, m: Manifest): StoredImage {
  const dir = imageDir(store, m.image);
  return {
    id: m.image,
    dir,
    template: join(dir, m.template.file),
    manifest: join(dir, MANIFEST_FILE),
    sbom: join(dir, SBOM_FILE),
    index: join(dir, INDEX_FILE),
  };
}

/** Ids ("sha256:<hex>") of every complete image in the store (images/ only ever holds complete ones). */
export async function imageIds(store: string): Promise<readonly string[]> {
  const names = await listDir(imagesDir(store));
  return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
}

/** True if the store holds image `id`. */
export async function hasImage(store: string, id: string): Promise<boolean> {
  try {
    return (await stat(join(imageDir(store, id), MANIFEST_FILE))).isFile();
  } catch {
    return false;
  }
}

/** The manifest of image `id`. */
export async function readManifest(store: string, id: string): Promise<Manifest> {
  return readManifestFile(join(imageDir(store, id), MANIFEST_FILE));
}

/** The file index (files.tsv) of image `id`. */
export async function readIndex(store: string, id: string): Promise<readonly IndexEntry[]> {
  const path = join(imageDir(store, id), INDEX_FILE);
  return parseIndex(await readFile(path, "utf8"), path);
}

/** When image `id` was added to this store (ms since the epoch; 0 if unknown). */
export async function addedAt(store: string, id: string): Promise<number> {
  try {
    const n = Number((await readFile(join(imageDir(store, id), ADDED_FILE), "utf8")).trim());
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

/** Every image, newest first (by when it was added; ties by id). */
export async function listImages(store: string): Promise<readonly ImageSummary[]> {
  const tags = await tagsById(store);
  const rows: { summary: ImageSummary; added: number }[] = [];
  for (const id of await imageIds(store)) {
    const m = await readManifest(store, id);
    rows.push({
      added: await addedAt(store, id),
      summary: { id, name: m.name, version: m.version, tags: tags.get(id) ?? [], template: storedImage(store, m).template, size: m.template.size },
    });
  }
  rows.sort((a, b) => b.added - a.added || (a.summary.id < b.summary.id ? -1 : 1));
  return rows.map((r) => r.summary);
}
