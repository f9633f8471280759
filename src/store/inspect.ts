// `kiln inspect REF`: an image's manifest with where its files are, its tags and when it was added.
import { addedAt } from "./read.js";
import { resolveStored } from "./refs.js";
import { tagsById } from "./tags.js";
import { readManifestFile } from "./manifest.js";
import type { Manifest, StoredImage } from "./types.js";

export interface Inspection {
  readonly image: StoredImage;
  readonly manifest: Manifest;
  readonly tags: readonly string[];
  /** When it was added to this store (ms since the epoch; 0 if unknown). */
  readonly added: number;
}

/** Everything about the image `ref` names. */
export async function inspectImage(store: string, ref: string): Promise<Inspection> {
  const image = await resolveStored(store, ref);
  const [manifest, tags, added] = await Promise.all([readManifestFile(image.manifest), tagsById(store), addedAt(store, image.id)]);
  return { image, manifest, tags: tags.get(image.id) ?? [], added };
}
