// `kiln import`: a bundle is extracted into the store's temp area, verified completely (planImport),
// and only then are its images added, each through the store's temp-dir-and-rename path.
import { createReadStream, existsSync } from "node:fs";
import { copyFile, link, mkdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream";
import { openDecompressor, openSink } from "../archive/compress.js";
import { CheckFailed } from "../errors.js";
import { adoptImage } from "../store/add.js";
import { templateFileName } from "../store/layout.js";
import { readTag, writeTag } from "../store/tags.js";
import { cleanStaleTemps, newTempDir } from "../store/tmp.js";
import type { Manifest } from "../store/types.js";
import { PROVENANCE_FILE } from "../trust/provenance.js";
import { checkProvenanceFiles, enforceProvenance } from "../trust/provenance-verify.js";
import { checkAllowedSigners, checkSignatureFiles, enforcePolicy, type TrustPolicy } from "../trust/verify.js";
import { canonicalJson } from "../util/canonical-json.js";
import { sha256File } from "../util/hash.js";
import { writeFileAtomic } from "../util/fs.js";
import { attestationsDir } from "./attestations.js";
import { planImport, type BundleImage } from "./bundle.js";
import { bad, extractBundle, type ExtractedLayout } from "./extract.js";
import { MT_LAYER_ZSTD } from "./media-types.js";

export interface ImportResult {
  readonly images: readonly {
    readonly id: string;
    readonly name: string;
    readonly version: string;
    readonly existed: boolean;
    readonly recompressed: boolean;
    readonly attestations: number;
    readonly tags: readonly string[];
    readonly tagsKept: readonly string[];
  }[];
}

/** The compression bake gives templates. */
const STORE_ZSTD = { kind: "zstd", level: 3, threads: 0 } as const;

/** Re-compresses a gzip layer to the store's zstd; returns the new template section. */
async function recompress(img: BundleImage, dir: string): Promise<Manifest["template"]> {
  const m = img.manifest;
  const file = templateFileName({ ...m, id: m.image, ext: "tar.zst" });
  const out = join(dir, file);
  const d = openDecompressor(img.layer.mediaType === MT_LAYER_ZSTD ? "zstd" : "gzip");
  const sink = openSink(STORE_ZSTD, out);
  try {
    for await (const c of pipeline(createReadStream(img.layerPath), d.stream, () => undefined)) await sink.write(c as Buffer);
    await d.done;
    await sink.end();
  } catch (e) {
    await sink.abort();
    throw e;
  }
  const [sha256, st] = await Promise.all([sha256File(out), stat(out)]);
  return { file, sha256, size: st.size, compression: "zstd" };
}

/** Whether the bundle's layer is the original template, byte for byte (so the manifest needs no change). */
function layerIsTemplate(img: BundleImage): boolean {
  const layerKind = img.layer.mediaType === MT_LAYER_ZSTD ? "zstd" : "gzip";
  return layerKind === img.manifest.template.compression && img.layer.digest === `sha256:${img.manifest.template.sha256}`;
}

/** Writes the template of `img` into the store's temp dir: the layer as-is when it is the original template. */
async function fillEntry(img: BundleImage, dir: string): Promise<{ manifest: Manifest; recompressed: boolean }> {
  const m = img.manifest;
  if (layerIsTemplate(img)) {
    // Linked, not copied: the verified layer lives in the same store's temp area, deleted after import.
    const to = join(dir, m.template.file);
    await link(img.layerPath, to).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== "EXDEV" && e.code !== "EPERM") throw e;
      await copyFile(img.layerPath, to);
    });
    return { manifest: m, recompressed: false };
  }
  return { manifest: { ...m, template: await recompress(img, dir) }, recompressed: true };
}

/**
 * The bundle's manifest signatures of `img`, checked over the manifest bytes the store will hold. A layer
 * that must be re-compressed would change those bytes (its template section), so it cannot be trusted.
 */
async function requireBundleSigned(img: BundleImage, policy: TrustPolicy): Promise<void> {
  if (!layerIsTemplate(img))
    throw new CheckFailed(
      `${img.id}: the bundle carries a re-compressed layer, not the signed template; export it without --compression (each template as stored) to import it with --trust`,
    );
  const sigs = (what: string) => img.attestations.filter((a) => new RegExp(`^${what}\\..+\\.sig$`).test(a.name)).map((a) => a.path);
  enforcePolicy(img.id, await checkSignatureFiles(Buffer.from(canonicalJson(img.manifest)), sigs("manifest"), policy.allowedSigners), policy);
  if (!policy.requireProvenance) return;
  const prov = img.attestations.find((a) => a.name === PROVENANCE_FILE);
  const data = prov === undefined ? undefined : await readFile(prov.path);
  enforceProvenance(img.id, await checkProvenanceFiles(img.manifest, data, sigs("provenance"), policy.allowedSigners), policy);
}

/** Restores attestation files an image lacks (each written atomically). */
async function restoreAttestations(store: string, img: BundleImage): Promise<void> {
  if (img.attestations.length === 0) return;
  const dir = attestationsDir(store, img.id);
  await mkdir(dir, { recursive: true });
  // A file the store already has is kept: import adds what is missing, it never replaces local files.
  for (const a of img.attestations) if (!existsSync(join(dir, a.name))) await writeFileAtomic(join(dir, a.name), await readFile(a.path));
}

/** Sets the bundle's tags of an image; a tag this store already points elsewhere is kept (and reported). */
async function restoreTags(store: string, img: BundleImage): Promise<{ tags: string[]; tagsKept: string[] }> {
  const tags: string[] = [];
  const tagsKept: string[] = [];
  for (const t of img.tags) {
    const now = await readTag(store, t);
    if (now === undefined) await writeTag(store, t, img.id);
    if (now === undefined || now === img.id) tags.push(t);
    else tagsKept.push(t);
  }
  return { tags, tagsKept };
}

/** Refuses a bundle path that is not a readable regular file (before anything is created). */
async function mustBeFile(file: string): Promise<void> {
  const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw bad(file, `cannot read the bundle (${e.code ?? e.message}): check the path`);
  });
  if (!st.isFile()) throw bad(file, "not a regular file: give the tar that kiln export wrote");
}

/** Imports bundle `file` into `store`; nothing is written to images/ unless the whole bundle verifies. */
export async function importBundle(store: string, file: string, o: { readonly trust?: TrustPolicy } = {}): Promise<ImportResult> {
  if (o.trust) await checkAllowedSigners(o.trust.allowedSigners, "--trust");
  await mustBeFile(file);
  return importLayout(store, file, (dir) => extractBundle(file, dir), o);
}

/**
 * The one import path (bundles and registry pulls): `fill` writes a layout with every blob's digest
 * checked into a dir in the store's temp area; it is verified completely (planImport), then added.
 * `label` names the source in messages.
 */
export async function importLayout(
  store: string,
  label: string,
  fill: (dir: string) => Promise<ExtractedLayout>,
  o: { readonly trust?: TrustPolicy } = {},
): Promise<ImportResult> {
  await mkdir(store, { recursive: true });
  await cleanStaleTemps(store);
  const work = await newTempDir(store);
  try {
    const layout = await fill(join(work, "layout"));
    const plan = await planImport(layout, label);
    // With --trust, every image must be signed as the policy says before any of them is added.
    if (o.trust) for (const img of plan) await requireBundleSigned(img, o.trust);
    const images: ImportResult["images"][number][] = [];
    for (const img of plan) {
      let recompressed = false;
      const r = await adoptImage(store, img.id, async (tmp) => {
        const f = await fillEntry(img, tmp);
        recompressed = f.recompressed;
        return { manifest: f.manifest, index: img.index };
      });
      await restoreAttestations(store, img);
      const t = await restoreTags(store, img);
      images.push({
        id: img.id,
        name: img.manifest.name,
        version: img.manifest.version,
        existed: r.existed,
        recompressed,
        attestations: img.attestations.length,
        ...t,
      });
    }
    return { images };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
