// OCI descriptors, image manifests, artifact manifests (OCI 1.1 referrers: `subject`) and the index.
// Every JSON blob is canonical JSON, so the same values give the same bytes and the same digest.
import { canonicalJson } from "../util/canonical-json.js";
import { sha256Hex } from "../util/hash.js";
import { A_CREATED, A_REVISION, A_TITLE, A_VERSION, MT_CONFIG, MT_EMPTY, MT_INDEX, MT_MANIFEST } from "./media-types.js";

/** An OCI content descriptor. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly platform?: { readonly architecture: string; readonly os: string; readonly variant?: string };
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A JSON blob: its bytes and its descriptor. */
export interface JsonBlob {
  readonly bytes: Buffer;
  readonly descriptor: Descriptor;
}

/** Serializes `value` canonically and describes it as `mediaType`. */
export function jsonBlob(mediaType: string, value: unknown, extra: Partial<Descriptor> = {}): JsonBlob {
  const bytes = Buffer.from(canonicalJson(value), "utf8");
  return { bytes, descriptor: { mediaType, digest: `sha256:${sha256Hex(bytes)}`, size: bytes.length, ...extra } };
}

/** The empty config blob of artifact manifests: `{}`. */
export const EMPTY_BLOB: JsonBlob = (() => {
  const bytes = Buffer.from("{}", "utf8");
  return { bytes, descriptor: { mediaType: MT_EMPTY, digest: `sha256:${sha256Hex(bytes)}`, size: 2 } };
})();

/** What the image manifest says about the image (its annotations). */
export interface ImageAnnotations {
  readonly title: string;
  readonly version: string;
  /** The image id: what the image is, independent of compression. */
  readonly revision: string;
  readonly created: string;
}

/** The annotation record of an image. */
export function imageAnnotations(a: ImageAnnotations): Record<string, string> {
  return { [A_TITLE]: a.title, [A_VERSION]: a.version, [A_REVISION]: a.revision, [A_CREATED]: a.created };
}

/** An image manifest: one config, one layer. */
export function imageManifest(config: Descriptor, layer: Descriptor, a: ImageAnnotations): JsonBlob {
  const value = { schemaVersion: 2, mediaType: MT_MANIFEST, config: { ...config, mediaType: MT_CONFIG }, layers: [layer], annotations: imageAnnotations(a) };
  return jsonBlob(MT_MANIFEST, value);
}

/**
 * An artifact manifest referring to `subject` (OCI 1.1 referrers): empty config, one layer (the file),
 * `artifactType` saying what it is. Readers find it by its subject; the index lists it too, so a
 * plain layout (no registry referrers API) still carries it.
 */
export function artifactManifest(artifactType: string, file: Descriptor, subject: Descriptor, created: string): JsonBlob {
  const value = {
    schemaVersion: 2,
    mediaType: MT_MANIFEST,
    artifactType,
    config: EMPTY_BLOB.descriptor,
    layers: [file],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { [A_CREATED]: created },
  };
  return jsonBlob(MT_MANIFEST, value, { artifactType });
}

/** index.json: the manifests, in the order given. */
export function imageIndex(manifests: readonly Descriptor[]): Buffer {
  return Buffer.from(canonicalJson({ schemaVersion: 2, mediaType: MT_INDEX, manifests }), "utf8");
}
