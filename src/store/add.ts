// Adding an image: pack into a temp dir inside the store, write manifest, SBOM and file index beside
// the template, fsync, and rename the whole directory into images/<hex> in one step. A reader (or a
// writer killed half-way) never leaves a half image under images/.
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { packTree } from "../archive/index.js";
import type { Compression, FileSource, IndexEntry } from "../archive/types.js";
import { UserError } from "../errors.js";
import { canonicalJson } from "../util/canonical-json.js";
import { fsyncPath, writeFileAtomic } from "../util/fs.js";
import { buildManifest } from "./manifest.js";
import { buildSbom } from "./sbom.js";
import { formatIndex } from "./files-index.js";
import { ADDED_FILE, imageDir, imagesDir, INDEX_FILE, MANIFEST_FILE, SBOM_FILE, templateFileName } from "./layout.js";
import { recordInputs } from "./inputs.js";
import { imageNameProblems } from "./naming.js";
import { hasImage, readManifest, storedImage } from "./read.js";
import { cleanStaleTemps, newTempDir } from "./tmp.js";
import type { ImageMeta, Manifest, StoredImage } from "./types.js";
import { errnoCode } from "../util/thrown.js";

export interface AddImageOptions {
  readonly source: FileSource;
  readonly meta: ImageMeta;
  /** Templates are compressed; compression never changes the image id. */
  readonly compression: Exclude<Compression, { readonly kind: "none" }>;
}

export interface AddImageResult {
  readonly image: StoredImage;
  readonly manifest: Manifest;
  /** True when the store already held this image (the new pack was discarded). */
  readonly existed: boolean;
}

/** The existing entry for `id`, as addImage returns it. */
async function existing(store: string, id: string): Promise<AddImageResult> {
  const manifest = await readManifest(store, id);
  return { image: storedImage(store, manifest), manifest, existed: true };
}

/** Packs `source` into the store as a new image (or returns the identical image already there). */
export async function addImage(store: string, o: AddImageOptions): Promise<AddImageResult> {
  const problems = imageNameProblems(o.meta);
  if (problems.length) throw new UserError(problems);
  await mkdir(imagesDir(store), { recursive: true });
  await cleanStaleTemps(store);
  const tmp = await newTempDir(store);
  try {
    const result = await publish(store, tmp, o);
    if (o.meta.inputs) await recordInputs(store, o.meta.inputs, result.manifest.image);
    return result;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Packs into `tmp`, completes the entry there and renames it into images/. */
async function publish(store: string, tmp: string, o: AddImageOptions): Promise<AddImageResult> {
  const partial = join(tmp, "template.partial");
  const pack = await packTree(o.source, { epoch: o.meta.sourceDateEpoch, compression: o.compression, out: partial });
  if (await hasImage(store, pack.id)) return existing(store, pack.id);
  const ext = o.compression.kind === "zstd" ? "tar.zst" : "tar.gz";
  const templateFile = templateFileName({ ...o.meta, id: pack.id, ext });
  const manifest = buildManifest({ meta: o.meta, pack, templateFile, compression: o.compression.kind });
  await rename(partial, join(tmp, templateFile));
  return completeEntry(store, tmp, manifest, pack.index);
}

/**
 * Completes an entry in `tmp` (which holds the template, named as `manifest` says): writes the
 * manifest, SBOM and file index, fsyncs, and renames it into images/. Shared by pack and import.
 */
async function completeEntry(store: string, tmp: string, manifest: Manifest, index: readonly IndexEntry[]): Promise<AddImageResult> {
  // All at once: the template's flush to disk is the long one, and the small files are written meanwhile.
  // Every write has settled before a failure is thrown, so the caller's clean-up races none of them.
  const written = await Promise.allSettled([
    fsyncPath(join(tmp, manifest.template.file)),
    writeFileAtomic(join(tmp, MANIFEST_FILE), canonicalJson(manifest)),
    writeFileAtomic(join(tmp, SBOM_FILE), canonicalJson(buildSbom(manifest))),
    writeFileAtomic(join(tmp, INDEX_FILE), formatIndex(index)),
    writeFileAtomic(join(tmp, ADDED_FILE), `${Date.now()}\n`),
  ]);
  const failed = written.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  await fsyncPath(tmp);
  try {
    await rename(tmp, imageDir(store, manifest.image));
  } catch (e) {
    // Another writer published the same image first: theirs is identical, use it.
    const code = errnoCode(e);
    if ((code === "ENOTEMPTY" || code === "EEXIST") && (await hasImage(store, manifest.image))) return existing(store, manifest.image);
    throw e;
  }
  await fsyncPath(imagesDir(store));
  return { image: storedImage(store, manifest), manifest, existed: false };
}

/**
 * Adds an image whose verified template another module produces (kiln import): `fill` writes the
 * template into the temp dir and returns the manifest and file index; the entry appears whole or not at all.
 */
export async function adoptImage(
  store: string,
  id: string,
  fill: (tmp: string) => Promise<{ readonly manifest: Manifest; readonly index: readonly IndexEntry[] }>,
): Promise<AddImageResult> {
  await mkdir(imagesDir(store), { recursive: true });
  await cleanStaleTemps(store);
  if (await hasImage(store, id)) return existing(store, id);
  const tmp = await newTempDir(store);
  try {
    const { manifest, index } = await fill(tmp);
    if (manifest.image !== id) throw new Error(`internal: adoptImage ${id} got a manifest of ${manifest.image}`);
    return await completeEntry(store, tmp, manifest, index);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
