// Pins: `<store>/pins/<inventory name>` lists the images this inventory's nodes hold or may roll back to,
// so `kiln gc` never deletes one that a rollback would have to recreate from the store.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pinsDir } from "../store/index.js";
import { writeFileAtomic } from "../util/fs.js";
import { inventoryName } from "./inventory.js";
import { imageBefore } from "./runs.js";
import type { Inventory, JournalEntry, NodeState } from "./types.js";

const ID = /^sha256:[0-9a-f]{64}$/;

/** The pin file of an inventory. */
export function pinFile(store: string, inventory: Pick<Inventory, "path">): string {
  return join(pinsDir(store), inventoryName(inventory));
}

/** Images the pin file lists now ([] when there is none). */
export async function readPins(store: string, inventory: Pick<Inventory, "path">): Promise<string[]> {
  const text = await readFile(pinFile(store, inventory), "utf8").catch(() => "");
  return text
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter((l) => ID.test(l));
}

/** Writes the pin file (sorted, one id a line), atomically. */
export async function writePins(store: string, inventory: Pick<Inventory, "path">, ids: Iterable<string>): Promise<readonly string[]> {
  const list = [...new Set([...ids].filter((i) => ID.test(i)))].sort();
  await writeFileAtomic(
    pinFile(store, inventory),
    `# images deployed by kiln from ${inventory.path}; kiln gc keeps them\n${list.map((i) => `${i}\n`).join("")}`,
  );
  return list;
}

/** What to pin after a change: every image in a slot, plus each node's rollback target. */
export function pinnedImages(o: { readonly observed: readonly NodeState[]; readonly journal: readonly JournalEntry[] }): Set<string> {
  const out = new Set<string>();
  for (const s of o.observed) {
    for (const slot of s.slots) if (slot.exists && slot.image) out.add(slot.image);
    const current = s.slots.find((x) => x.running)?.image;
    const before = current && imageBefore(o.journal, s.node, current);
    if (before) out.add(before);
  }
  return out;
}
