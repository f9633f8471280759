// What the store keeps per image: <store>/images/<hex>/{<template>.tar.zst, manifest.json, sbom.cdx.json, files.tsv}

import type { VerifySection } from "../recipe/types.js";

export interface ManifestDeb {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
}

export interface ManifestPython {
  /** PEP 503-normalised distribution name. */
  readonly name: string;
  readonly version: string;
}

export interface ManifestCheckout {
  readonly name: string;
  readonly kind: "git" | "svn";
  readonly url: string;
  readonly revision: string;
  readonly dest: string;
}

/**
 * manifest.json: reproducible itself (no timestamps, durations, hostnames or absolute build paths),
 * so the same inputs give a byte-identical manifest. Serialized as canonical JSON.
 */
export interface Manifest {
  readonly manifestVersion: 1;
  /** "sha256:<hex>" of the uncompressed tar stream. */
  readonly image: string;
  readonly name: string;
  readonly version: string;
  readonly arch: string;
  readonly ostype: string;
  readonly template: {
    /** File name inside the image directory, Proxmox naming: <ostype>-<name>_<version>-<12hex>_<arch>.tar.zst */
    readonly file: string;
    readonly sha256: string;
    readonly size: number;
    readonly compression: "zstd" | "gzip";
  };
  readonly tarSize: number;
  readonly entries: number;
  /** "sha256:<hex>" of recipe + lock + kiln version; null for images adopted with `kiln pack`. */
  readonly inputs: string | null;
  readonly kilnVersion: string;
  readonly sourceDateEpoch: number;
  /** How the image was made: "bake" or "pack". */
  readonly origin: "bake" | "pack";
  readonly recipe: { readonly name: string; readonly sha256: string } | null;
  readonly lockSha256: string | null;
  readonly debs: readonly ManifestDeb[];
  readonly python: readonly ManifestPython[];
  readonly checkouts: readonly ManifestCheckout[];
  /** The recipe's [verify] section, so `kiln verify <id>` needs nothing but the image. */
  readonly verify: VerifySection | null;
}

/** How images are listed by `kiln images`. */
export interface ImageSummary {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly tags: readonly string[];
  readonly template: string;
  readonly size: number;
}

/** What the caller knows about an image that the tree itself does not say (input to addImage). */
export type ImageMeta = Pick<
  Manifest,
  "name" | "version" | "arch" | "ostype" | "origin" | "inputs" | "recipe" | "lockSha256" | "debs" | "python" | "checkouts" | "verify" | "sourceDateEpoch"
>;

/** An image in the store, with the absolute paths of its files. */
export interface StoredImage {
  readonly id: string;
  readonly dir: string;
  readonly template: string;
  readonly manifest: string;
  readonly sbom: string;
  readonly index: string;
}

/** What a REF names: an image in the store, or a template file the store does not hold. */
export type ImageRef = ({ readonly kind: "stored" } & StoredImage) | { readonly kind: "file"; readonly path: string; readonly id: string };
