// Attestation files kept beside an image: <store>/attestations/<hex>/{*.sig, provenance.json, …}.
// Each regular file becomes an OCI artifact referring to the image manifest.
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { hexOf } from "../store/layout.js";
import { MT_ATTESTATION, MT_IN_TOTO, MT_SIGNATURE } from "./media-types.js";

/** File names an attestation may have (also what a bundle may restore). */
export const ATTESTATION_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The attestations directory of image `id`. */
export function attestationsDir(store: string, id: string): string {
  return join(store, "attestations", hexOf(id));
}

/** The artifact type of an attestation file, by its name. */
export function attestationType(name: string): string {
  if (name.endsWith(".sig")) return MT_SIGNATURE;
  if (name === "provenance.json" || name.endsWith(".intoto.json")) return MT_IN_TOTO;
  return MT_ATTESTATION;
}

/** An attestation file of an image. */
export interface Attestation {
  readonly name: string;
  readonly path: string;
  readonly artifactType: string;
}

/** The image's attestation files, sorted by name; [] when it has none. Odd names and non-files are skipped. */
export async function listAttestations(store: string, id: string): Promise<readonly Attestation[]> {
  const dir = attestationsDir(store, id);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: Attestation[] = [];
  for (const name of names.sort()) {
    if (!ATTESTATION_NAME_RE.test(name)) continue;
    const path = join(dir, name);
    if (!(await lstat(path)).isFile()) continue;
    out.push({ name, path, artifactType: attestationType(name) });
  }
  return out;
}
