// The OCI media types kiln writes and accepts. A bundle naming any other type is refused, so a value
// read from a bundle is one of these strings before it decides how a blob is treated.

export const OCI_LAYOUT_VERSION = "1.0.0";
export const MT_INDEX = "application/vnd.oci.image.index.v1+json";
export const MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const MT_CONFIG = "application/vnd.oci.image.config.v1+json";
export const MT_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const MT_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
/** The empty config of an artifact manifest (OCI 1.1): the two bytes `{}`. */
export const MT_EMPTY = "application/vnd.oci.empty.v1+json";
/** The kiln store's manifest.json (debs, python, checkouts), travelling as a referrer of the image. */
export const MT_KILN_MANIFEST = "application/vnd.kiln.manifest.v1+json";
/** A signature file (`*.sig`) from the store's attestations directory. */
export const MT_SIGNATURE = "application/vnd.kiln.signature.v1";
/** An in-toto statement (`provenance.json`). */
export const MT_IN_TOTO = "application/vnd.in-toto+json";
/** Any other attestation file. */
export const MT_ATTESTATION = "application/vnd.kiln.attestation.v1";

/** Artifact types a bundle may carry (each artifact's one layer has the same media type). */
export const ARTIFACT_TYPES: readonly string[] = [MT_KILN_MANIFEST, MT_SIGNATURE, MT_IN_TOTO, MT_ATTESTATION];
/** Layer media types of an image. */
export const LAYER_TYPES: readonly string[] = [MT_LAYER_GZIP, MT_LAYER_ZSTD];

/** Annotation keys (org.opencontainers.image.*). */
export const A_REF_NAME = "org.opencontainers.image.ref.name";
export const A_TITLE = "org.opencontainers.image.title";
export const A_VERSION = "org.opencontainers.image.version";
export const A_REVISION = "org.opencontainers.image.revision";
export const A_CREATED = "org.opencontainers.image.created";

/** Layer compression choices. */
export type LayerCompression = "gzip" | "zstd";

/** The layer media type of a compression. */
export function layerMediaType(c: LayerCompression): string {
  return c === "zstd" ? MT_LAYER_ZSTD : MT_LAYER_GZIP;
}
