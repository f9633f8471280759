// Garbage collection: delete old untagged images, keeping the newest N. Never deletes an image that is
// tagged or pinned. Pins are the deployer's hook: any file under <store>/pins/ lists image ids (one per
// line, '#' starts a comment) that are deployed somewhere and must stay recreatable from the store.
import { readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fsyncPath } from "../util/fs.js";
import { attestationsDir, hexOf, imageDir, imagesDir, listDir, pinsDir } from "./layout.js";
import { addedAt, imageIds } from "./read.js";
import { listTags } from "./tags.js";
import { cleanStaleTemps, newTempDir } from "./tmp.js";
import { dropDanglingInputs } from "./inputs.js";

export interface GcOptions {
  /** Untagged, unpinned images to keep (the newest by time added). */
  readonly keep: number;
  /** Only report what would be removed. */
  readonly dryRun?: boolean;
}

export interface GcResult {
  readonly dryRun: boolean;
  /** Image ids removed (or that would be), oldest first. */
  readonly removed: readonly string[];
  /** Image ids kept, with why. */
  readonly kept: readonly { readonly id: string; readonly why: "tagged" | "pinned" | "recent" }[];
  /** Stale temp directories of killed writers removed. */
  readonly temps: readonly string[];
  /** Inputs index entries removed because their image is gone. */
  readonly inputs: readonly string[];
}

/** Image ids named in <store>/pins/* (the deployer writes these for images in use). */
export async function pinnedIds(store: string): Promise<ReadonlySet<string>> {
  const names = await listDir(pinsDir(store));
  const out = new Set<string>();
  for (const n of names) {
    const text = await readFile(join(pinsDir(store), n), "utf8").catch(() => "");
    for (const line of text.split("\n")) {
      const id = line.replace(/#.*/, "").trim();
      if (/^sha256:[0-9a-f]{64}$/.test(id)) out.add(id);
    }
  }
  return out;
}

/** Removes an image directory so no reader sees it half-deleted: rename it out of images/ first; its attestations go with it. */
export async function removeImage(store: string, id: string): Promise<void> {
  const trash = await newTempDir(store);
  await rename(imageDir(store, id), join(trash, hexOf(id)));
  await fsyncPath(imagesDir(store));
  await rename(attestationsDir(store, id), join(trash, `attestations-${hexOf(id)}`)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT") throw e;
  });
  await rm(trash, { recursive: true, force: true });
}

/** Decides what to keep and what to remove, then (unless dryRun) removes it. */
export async function gc(store: string, o: GcOptions): Promise<GcResult> {
  const dryRun = o.dryRun === true;
  const tagged = new Set((await listTags(store)).values());
  const pinned = await pinnedIds(store);
  const kept: { id: string; why: "tagged" | "pinned" | "recent" }[] = [];
  const candidates: { id: string; added: number }[] = [];
  for (const id of await imageIds(store)) {
    if (tagged.has(id)) kept.push({ id, why: "tagged" });
    else if (pinned.has(id)) kept.push({ id, why: "pinned" });
    else candidates.push({ id, added: await addedAt(store, id) });
  }
  candidates.sort((a, b) => b.added - a.added || (a.id < b.id ? -1 : 1));
  for (const c of candidates.slice(0, o.keep)) kept.push({ id: c.id, why: "recent" });
  const removed = candidates
    .slice(o.keep)
    .map((c) => c.id)
    .reverse();
  if (!dryRun) for (const id of removed) await removeImage(store, id);
  const temps = await cleanStaleTemps(store, { dryRun });
  const inputs = await dropDanglingInputs(store, { dryRun, removing: new Set(removed) });
  return { dryRun, removed, kept, temps, inputs };
}
