// One stored image into a layout: the verified template as the layer (as-is when the compression
// matches, else re-compressed from the verified tar stream; each template read and hashed once), the config, the image manifest, and
// referrers for the kiln manifest and each attestation file. Never reads an unverified template.
import { readFile } from "node:fs/promises";
import { openSink } from "../archive/compress.js";
import { hexOf } from "../store/layout.js";
import type { Manifest, StoredImage } from "../store/types.js";
import { assertManifestSound, damaged } from "../store/integrity.js";
import { readManifest, storedImage } from "../store/read.js";
import { openVerifiedTemplate, verifyTemplate } from "../store/verify.js";
import { listAttestations } from "./attestations.js";
import { createdOf, imageConfig, platformOf } from "./config.js";
import type { LayoutWriter } from "./layout.js";
import { artifactManifest, EMPTY_BLOB, imageManifest, jsonBlob, type Descriptor } from "./manifest.js";
import { A_REF_NAME, A_TITLE, layerMediaType, MT_CONFIG, MT_KILN_MANIFEST, type LayerCompression } from "./media-types.js";

/** What was written for one image. */
export interface WrittenImage {
  readonly id: string;
  /** The image manifest's descriptor (as listed in index.json, with its first ref name: the hex id). */
  readonly manifest: Descriptor;
  /** Its index.json entries: one per ref name (the hex id, then any tags). */
  readonly listed: readonly Descriptor[];
  readonly layer: Descriptor;
  /** Descriptors of the referrers (kiln manifest, attestations), as listed in index.json. */
  readonly referrers: readonly Descriptor[];
}

/**
 * Writes the layer blob: the template itself when its compression is the layer's (verified deep first:
 * both digests, then copied and hashed again; with `link`, linked in unverified: the caller verifies it
 * before it publishes anything, as kiln push does while uploading), else re-compressed from the tar
 * stream, which openVerifiedTemplate checks as it reads.
 */
async function writeLayer(w: LayoutWriter, image: StoredImage, m: Manifest, c: LayerCompression, link: boolean): Promise<Descriptor> {
  const mediaType = layerMediaType(c);
  if (m.template.compression === c) {
    if (link) return w.linkVerified(image.template, { mediaType, digest: `sha256:${m.template.sha256}`, size: m.template.size });
    await verifyTemplate(image, m, { deep: true });
    const d = await w.copyFile(image.template, mediaType);
    if (d.digest !== `sha256:${m.template.sha256}`) throw damaged(m.image, `${image.template}: changed while being copied (sha256 ${d.digest})`);
    return d;
  }
  const v = openVerifiedTemplate(image, m);
  const scratch = w.scratch();
  // zlib's gzip header has mtime 0 and no name, so the same tar gives the same .gz bytes.
  const sink = openSink(c === "zstd" ? { kind: "zstd", level: 3, threads: 0 } : { kind: "gzip", level: 6 }, scratch);
  try {
    for await (const chunk of v.chunks) await sink.write(chunk);
    await sink.end();
  } catch (e) {
    await sink.abort();
    await v.finish();
    throw e;
  }
  await v.finish();
  return w.adoptFile(scratch, mediaType);
}

/** Writes a referrer of `subject`: one file blob plus its artifact manifest; returns the index descriptor. */
async function writeReferrer(w: LayoutWriter, artifactType: string, file: Descriptor, subject: Descriptor, created: string): Promise<Descriptor> {
  const a = artifactManifest(artifactType, file, subject, created);
  await w.putJson(a);
  return { ...a.descriptor, ...(file.annotations ? { annotations: file.annotations } : {}) };
}

/** Writes image `id` (verified) and its referrers into the layout, named by its hex id and `tags` in the index. */
export async function writeImage(
  w: LayoutWriter,
  store: string,
  id: string,
  o: { readonly compression?: LayerCompression; readonly tags?: readonly string[]; readonly referrers?: boolean; readonly link?: boolean },
): Promise<WrittenImage> {
  // The manifest checked here; the template where it is read (writeLayer), once: no separate first pass.
  const m = await readManifest(store, id);
  assertManifestSound(m, hexOf(id));
  const image = storedImage(store, m);
  const created = createdOf(m);
  // No compression asked: the layer is the stored template, byte for byte (what signatures cover).
  const layer = await writeLayer(w, image, m, o.compression ?? m.template.compression, o.link === true);
  const config = await w.putJson(jsonBlob(MT_CONFIG, imageConfig(m)));
  const im = imageManifest(config, layer, { title: m.name, version: m.version, revision: m.image, created });
  await w.putJson(im);
  const subject = im.descriptor;
  const listed = [hexOf(m.image), ...(o.tags ?? [])].map(
    (name): Descriptor => ({ ...subject, platform: platformOf(m.arch), annotations: { [A_REF_NAME]: name } }),
  );
  // Without referrers (a Proxmox template): the index lists the image alone, as `skopeo copy` writes one.
  const referrers = o.referrers === false ? [] : await writeReferrers(w, store, image, subject, created);
  return { id: m.image, manifest: listed[0] as Descriptor, listed, layer, referrers };
}

/** The kiln manifest and each attestation file of `image` as referrers of `subject`. */
async function writeReferrers(w: LayoutWriter, store: string, image: StoredImage, subject: Descriptor, created: string): Promise<Descriptor[]> {
  await w.putJson(EMPTY_BLOB);
  const kilnFile = await w.putJson(
    jsonBlob(MT_KILN_MANIFEST, JSON.parse(await readFile(image.manifest, "utf8")) as unknown, { annotations: { [A_TITLE]: "manifest.json" } }),
  );
  const referrers = [await writeReferrer(w, MT_KILN_MANIFEST, kilnFile, subject, created)];
  for (const a of await listAttestations(store, image.id)) {
    const file = await w.copyFile(a.path, a.artifactType, { annotations: { [A_TITLE]: a.name } });
    referrers.push(await writeReferrer(w, a.artifactType, file, subject, created));
  }
  return referrers;
}
