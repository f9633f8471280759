// Reading a bundle (kiln export's oci-archive) into an import plan: every descriptor, manifest,
// config and referrer validated, the kiln manifest of each image found and checked against the
// image's diff_id, every layer decompressed and its sha256 compared with the diff_id (= image id).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import { openDecompressor } from "../archive/compress.js";
import { parseTar } from "../archive/tar-reader.js";
import type { IndexEntry } from "../archive/types.js";
import { manifestProblems } from "../store/integrity.js";
import { hexOf } from "../store/layout.js";
import { tagNameProblem } from "../store/naming.js";
import { quoteInput } from "../util/quote.js";
import type { Manifest } from "../store/types.js";
import { ATTESTATION_NAME_RE } from "./attestations.js";
import { bad, type ExtractedLayout } from "./extract.js";
import { blobPath } from "./layout.js";
import type { Descriptor } from "./manifest.js";
import { kilnManifestFrom } from "./kiln-manifest.js";
import { EMPTY_BLOB } from "./manifest.js";
import { A_TITLE, ARTIFACT_TYPES, LAYER_TYPES, MT_CONFIG, MT_EMPTY, MT_KILN_MANIFEST, MT_LAYER_ZSTD, MT_MANIFEST, OCI_LAYOUT_VERSION } from "./media-types.js";
import { asArray, asDescriptor, asDigest, asMatching, asObject, asOneOf, readJsonBlob, REF_NAME_RE } from "./validate.js";

/** One image of a bundle, verified and ready to enter the store. */
export interface BundleImage {
  readonly id: string;
  readonly layer: Descriptor;
  readonly layerPath: string;
  readonly manifest: Manifest;
  readonly attestations: readonly { readonly name: string; readonly path: string }[];
  /** Tags the bundle gives the image (its ref names other than the hex id). */
  readonly tags: readonly string[];
  /** The files.tsv index, recomputed from the layer. */
  readonly index: readonly IndexEntry[];
}

/** A referrer: which image it refers to, what it is, its one file. */
interface Referrer {
  readonly subject: string;
  readonly artifactType: string;
  readonly file: Descriptor;
}

/** Reads an image manifest: one config, one layer; returns the layer and the diff_id. */
async function readImage(l: ExtractedLayout, d: Descriptor, file: string, where: string): Promise<{ layer: Descriptor; diffId: string }> {
  const m = asObject(await readJsonBlob(l, d, file, where), file, where);
  if (m["schemaVersion"] !== 2) throw bad(file, `${where}: schemaVersion is not 2`);
  const config = asDescriptor(m["config"], [MT_CONFIG], l, file, `${where}.config`);
  const layers = asArray(m["layers"], file, `${where}.layers`);
  if (layers.length !== 1) throw bad(file, `${where}: ${layers.length} layers; a kiln image has exactly one`);
  const layer = asDescriptor(layers[0], LAYER_TYPES, l, file, `${where}.layers[0]`);
  const c = asObject(await readJsonBlob(l, config, file, `${where}.config`), file, `${where}.config`);
  const rootfs = asObject(c["rootfs"], file, `${where}.config.rootfs`);
  const ids = asArray(rootfs["diff_ids"], file, `${where}.config.rootfs.diff_ids`);
  if (rootfs["type"] !== "layers" || ids.length !== 1) throw bad(file, `${where}.config.rootfs: expected type "layers" and one diff_id`);
  return { layer, diffId: asDigest(ids[0], file, `${where}.config.rootfs.diff_ids[0]`) };
}

/** Reads an artifact manifest (empty config, one layer, a subject). */
async function readReferrer(l: ExtractedLayout, d: Descriptor, file: string, where: string): Promise<Referrer> {
  const m = asObject(await readJsonBlob(l, d, file, where), file, where);
  const artifactType = asOneOf(m["artifactType"], ARTIFACT_TYPES, file, `${where}.artifactType`);
  const config = asDescriptor(m["config"], [MT_EMPTY], l, file, `${where}.config`);
  if (config.digest !== EMPTY_BLOB.descriptor.digest) throw bad(file, `${where}.config: not the empty descriptor`);
  const layers = asArray(m["layers"], file, `${where}.layers`);
  if (layers.length !== 1) throw bad(file, `${where}: ${layers.length} layers; a kiln artifact has exactly one`);
  const fileD = asDescriptor(layers[0], [artifactType], l, file, `${where}.layers[0]`);
  asMatching(fileD.annotations?.[A_TITLE], ATTESTATION_NAME_RE, file, `${where}.layers[0].annotations.${A_TITLE}`);
  const subject = asObject(m["subject"], file, `${where}.subject`);
  return { subject: asDigest(subject["digest"], file, `${where}.subject.digest`), artifactType, file: fileD };
}

/** What reading a layer found: the uncompressed tar's digest and size, and its file index. */
export interface LayerScan {
  readonly tarDigest: string;
  readonly tarSize: number;
  readonly index: IndexEntry[];
}

/** Decompresses layer bytes `input` (as they arrive: a file or a download), hashing the tar and rebuilding the file index. */
export async function scanLayer(input: AsyncIterable<Buffer> & NodeJS.ReadableStream, layer: Descriptor, file: string): Promise<LayerScan> {
  const d = openDecompressor(layer.mediaType === MT_LAYER_ZSTD ? "zstd" : "gzip");
  const tarHash = createHash("sha256");
  let tarSize = 0;
  const plain = pipeline(input, d.stream, () => undefined);
  const hashed = (async function* () {
    for await (const c of plain) {
      tarHash.update(c as Buffer);
      tarSize += (c as Buffer).length;
      yield c as Buffer;
    }
    await d.done;
  })();
  const index: IndexEntry[] = [];
  try {
    for await (const { entry: e, body } of parseTar(hashed, `${file}: layer ${layer.digest}`)) {
      let digest = e.linkTarget ?? "";
      if (e.type === "file") {
        const h = createHash("sha256");
        for await (const b of body) h.update(b);
        digest = h.digest("hex");
      }
      index.push({ path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size: e.type === "file" ? e.size : 0, digest });
    }
    for await (const _ of hashed); // the end-of-archive padding
  } catch (e) {
    d.stop();
    throw bad(file, `layer ${layer.digest}: ${(e as Error).message}`);
  }
  return { tarDigest: `sha256:${tarHash.digest("hex")}`, tarSize, index };
}

/** Checks a layer (its scan, made while it downloaded, or a read of its file) against the diff_id. */
export async function verifyLayer(l: ExtractedLayout, layer: Descriptor, diffId: string, file: string): Promise<{ index: IndexEntry[]; tarSize: number }> {
  const s = await (l.scans?.get(layer.digest) ?? scanLayer(createReadStream(blobPath(l.dir, layer.digest), { highWaterMark: 1 << 20 }), layer, file));
  if (s.tarDigest !== diffId) throw bad(file, `layer ${layer.digest} uncompresses to ${s.tarDigest}, the config's diff_id says ${diffId}`);
  return { index: s.index, tarSize: s.tarSize };
}

/** Checks the kiln manifest travelling with image `id`. */
async function kilnManifest(l: ExtractedLayout, r: Referrer | undefined, id: string, file: string): Promise<Manifest> {
  if (!r) throw bad(file, `image ${id} has no kiln manifest (${MT_KILN_MANIFEST}) referrer: not a kiln bundle`);
  const m = kilnManifestFrom(await readJsonBlob(l, r.file, file, `kiln manifest of ${id}`), file, `kiln manifest of ${id}`);
  const problems = manifestProblems(hexOf(id), m);
  if (problems.length) throw bad(file, `kiln manifest of ${id}: ${problems.join("; ")}`);
  return m;
}

/** Parses JSON bytes or says which file is not JSON. */
function parseJson(bytes: Buffer, file: string, what: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  } catch (e) {
    throw bad(file, `${what} is not JSON (${(e as Error).message})`);
  }
}

/** Validates the whole extracted bundle and verifies every layer; writes nothing. */
export async function planImport(l: ExtractedLayout, file: string): Promise<BundleImage[]> {
  const layoutFile = asObject(parseJson(l.ociLayout, file, "oci-layout"), file, "oci-layout");
  if (layoutFile["imageLayoutVersion"] !== OCI_LAYOUT_VERSION) throw bad(file, `oci-layout: imageLayoutVersion is not ${OCI_LAYOUT_VERSION}`);
  const list = asArray(asObject(parseJson(l.indexJson, file, "index.json"), file, "index.json")["manifests"], file, "index.json manifests");
  const images = new Map<string, { layer: Descriptor; diffId: string }>();
  const names = new Map<string, string[]>();
  const referrers: Referrer[] = [];
  for (const [i, v] of list.entries()) {
    const where = `index.json manifests[${i}]`;
    const d = asDescriptor(v, [MT_MANIFEST], l, file, where);
    if (d.artifactType !== undefined) referrers.push(await readReferrer(l, d, file, where));
    else {
      const name = asMatching(d.annotations?.["org.opencontainers.image.ref.name"], REF_NAME_RE, file, `${where} ref name`);
      names.set(d.digest, [...(names.get(d.digest) ?? []), name]);
      if (!images.has(d.digest)) images.set(d.digest, await readImage(l, d, file, where));
    }
  }
  if (images.size === 0) throw bad(file, "index.json lists no image");
  const out: BundleImage[] = [];
  for (const [digest, { layer, diffId }] of images) {
    const mine = referrers.filter((r) => r.subject === digest);
    const manifest = await kilnManifest(
      l,
      mine.find((r) => r.artifactType === MT_KILN_MANIFEST),
      diffId,
      file,
    );
    const layerPath = blobPath(l.dir, layer.digest);
    const { index, tarSize } = await verifyLayer(l, layer, diffId, file);
    if (tarSize !== manifest.tarSize || index.length !== manifest.entries)
      throw bad(
        file,
        `image ${diffId}: the layer has ${index.length} entries in ${tarSize} bytes, its kiln manifest says ${manifest.entries} in ${manifest.tarSize}`,
      );
    const attestations = mine
      .filter((r) => r.artifactType !== MT_KILN_MANIFEST)
      .map((r) => ({ name: r.file.annotations?.[A_TITLE] as string, path: blobPath(l.dir, r.file.digest) }));
    const tags = (names.get(digest) ?? []).filter((n) => n !== hexOf(diffId));
    for (const t of tags) if (tagNameProblem(t)) throw bad(file, `image ${diffId}: ref name ${quoteInput(t)}: ${tagNameProblem(t) as string}`);
    out.push({ id: diffId, layer, layerPath, manifest, attestations, tags, index });
  }
  return out;
}
