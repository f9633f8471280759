// The inputs index: <store>/inputs/<inputs hex> → image id, so a bake whose inputs did not change
// returns the stored image at once. Written only after the image is in place; gc drops dangling entries.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../util/fs.js";
import { inputsDir, inputsFile, listDir } from "./layout.js";
import { hasImage, readManifest, storedImage } from "./read.js";
import type { StoredImage } from "./types.js";

/** Records that `inputs` baked to image `id` (call once the image is in images/). */
export async function recordInputs(store: string, inputs: string, id: string): Promise<void> {
  await writeFileAtomic(inputsFile(store, inputs), `${id}\n`);
}

/** The image id an inputs entry names, or undefined if it is missing or unreadable. */
async function readInputs(path: string): Promise<string | undefined> {
  try {
    const id = (await readFile(path, "utf8")).trim();
    return /^sha256:[0-9a-f]{64}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The stored image an inputs hash baked to, if the store still has it (bake's no-op path). */
export async function findByInputs(store: string, inputs: string): Promise<StoredImage | undefined> {
  const id = await readInputs(inputsFile(store, inputs));
  if (!id || !(await hasImage(store, id))) return undefined;
  return storedImage(store, await readManifest(store, id));
}

/** Removes inputs entries whose image is gone (or, with dryRun, lists them); returns their paths. */
export async function dropDanglingInputs(
  store: string,
  opts: { readonly dryRun?: boolean; readonly removing?: ReadonlySet<string> } = {},
): Promise<readonly string[]> {
  const names = await listDir(inputsDir(store));
  const out: string[] = [];
  for (const n of names) {
    const path = join(inputsDir(store), n);
    const id = await readInputs(path);
    if (id && !opts.removing?.has(id) && (await hasImage(store, id))) continue;
    out.push(path);
    if (!opts.dryRun) await rm(path, { force: true });
  }
  return out;
}
