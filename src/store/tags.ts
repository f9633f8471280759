// Tags: <store>/tags/<name> holds one image id. Moving a tag is one atomic file replace.
import { readFile, rm } from "node:fs/promises";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { listDir, tagFile, tagsDir } from "./layout.js";
import { tagNameProblem } from "./naming.js";

/** Every tag in the store, name → image id, sorted by name. */
export async function listTags(store: string): Promise<ReadonlyMap<string, string>> {
  const names = await listDir(tagsDir(store));
  const out = new Map<string, string>();
  for (const n of names) {
    const id = (await readFile(tagFile(store, n), "utf8")).trim();
    if (/^sha256:[0-9a-f]{64}$/.test(id)) out.set(n, id);
  }
  return out;
}

/** Tags grouped by the image they name. */
export async function tagsById(store: string): Promise<ReadonlyMap<string, readonly string[]>> {
  const out = new Map<string, string[]>();
  for (const [name, id] of await listTags(store)) out.set(id, [...(out.get(id) ?? []), name]);
  return out;
}

/** The image id a tag names, or undefined if there is no such tag. */
export async function readTag(store: string, name: string): Promise<string | undefined> {
  if (tagNameProblem(name)) return undefined;
  return (await listTags(store)).get(name);
}

/** Points tag `name` at image `id` (creating or moving it). The id must already be resolved. */
export async function writeTag(store: string, name: string, id: string): Promise<void> {
  const problem = tagNameProblem(name);
  if (problem) throw new UserError({ key: "tag", message: problem });
  await writeFileAtomic(tagFile(store, name), `${id}\n`);
}

/** Removes tag `name` (no error if it is already gone). */
export async function deleteTag(store: string, name: string): Promise<void> {
  if (tagNameProblem(name)) return;
  await rm(tagFile(store, name), { force: true });
}
