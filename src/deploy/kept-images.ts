// Images gc keeps: `<store>/pins/<inventory name>` lists the images this inventory's nodes hold or may roll
// back to, so `kiln gc` never deletes one that a rollback would have to recreate from the store. (The store
// directory keeps its name `pins/` so existing stores stay protected; requirement pins are another thing.)
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pinsDir } from "../store/index.js";
import { writeFileAtomic } from "../util/fs.js";
import { inventoryName } from "../inventory/load.js";
import { imageBefore } from "./runs.js";
import type { Inventory, JournalEntry, NodeState } from "./types.js";

const ID = /^sha256:[0-9a-f]{64}$/;

/** The kept-images file of an inventory. */
export function keptImagesFile(store: string, inventory: Pick<Inventory, "path">): string {
  return join(pinsDir(store), inventoryName(inventory));
}

/** Images the kept-images file lists now ([] when there is none). */
export async function readKeptImages(store: string, inventory: Pick<Inventory, "path">): Promise<string[]> {
  const text = await readFile(keptImagesFile(store, inventory), "utf8").catch(() => "");
  return text
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter((l) => ID.test(l));
}

/** Writes the kept-images file (sorted, one id a line), atomically. */
export async function writeKeptImages(store: string, inventory: Pick<Inventory, "path">, ids: Iterable<string>): Promise<readonly string[]> {
  const list = [...new Set([...ids].filter((i) => ID.test(i)))].sort();
  await writeFileAtomic(
    keptImagesFile(store, inventory),
    `# images deployed by kiln from ${inventory.path}; kiln gc keeps them\n${list.map((i) => `${i}\n`).join("")}`,
  );
  return list;
}

/** What gc must keep after a change: every image in a slot, plus each node's rollback target. */
export function imagesToKeep(o: { readonly observed: readonly NodeState[]; readonly journal: readonly JournalEntry[] }): Set<string> {
  const out = new Set<string>();
  for (const s of o.observed) {
    for (const slot of s.slots) if (slot.exists && slot.image) out.add(slot.image);
    const current = s.slots.find((x) => x.running)?.image;
    const before = current && imageBefore(o.journal, s.node, current);
    if (before) out.add(before);
  }
  return out;
}
