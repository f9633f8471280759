// Retention: keep the newest N nightly tags of a recipe; older ones lose their tag, and their image goes
// too unless something else still needs it (another tag — a release —, or a deployment pin).
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { deleteTag, listTags, pinnedIds, removeImage } from "../store/index.js";

/** `<name>-nightly-YYYYMMDD`. */
export function nightlyTag(name: string, night: string): string {
  return `${name}-nightly-${night}`;
}

/** The night (YYYYMMDD, UTC) of a date. */
export function nightOf(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, "");
}

/** What retention removes: tags beyond the newest `keep`, and which of their images may go. */
export function planRetention(o: {
  readonly name: string;
  readonly keep: number;
  readonly tags: ReadonlyMap<string, string>;
  readonly pinned: ReadonlySet<string>;
}): { readonly tags: readonly string[]; readonly images: readonly string[] } {
  const re = new RegExp(`^${o.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-nightly-(\\d{8})$`);
  const nightly = [...o.tags.keys()]
    .filter((t) => re.test(t))
    .sort()
    .reverse();
  const retire = nightly.slice(o.keep);
  const keepTags = [...o.tags.keys()].filter((t) => !retire.includes(t));
  const stillNamed = new Set(keepTags.map((t) => o.tags.get(t)));
  const images = [...new Set(retire.flatMap((t) => o.tags.get(t) ?? []))].filter((id) => !stillNamed.has(id) && !o.pinned.has(id));
  return { tags: retire, images };
}

/** Applies retention to the store and removes the retired nights' directories under `out`. */
export async function applyRetention(o: {
  readonly store: string;
  readonly out: string;
  readonly name: string;
  readonly keep: number;
}): Promise<readonly string[]> {
  const plan = planRetention({ name: o.name, keep: o.keep, tags: await listTags(o.store), pinned: await pinnedIds(o.store) });
  for (const t of plan.tags) {
    await deleteTag(o.store, t);
    // The night's VM disks are the big part; its report stays in history.jsonl.
    await rm(join(o.out, t.slice(-8), "vm"), { recursive: true, force: true });
  }
  for (const id of plan.images) await removeImage(o.store, id);
  return plan.tags;
}
