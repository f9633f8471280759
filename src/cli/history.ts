// `kiln history --inventory INV [--json]`: the deploy journal, newest first.
import { shortId, table } from "../util/format.js";
import { journalHistory } from "../deploy/status.js";
import type { JournalEntry } from "../deploy/types.js";
import type { GlobalOptions } from "./options.js";
import { emit } from "./output.js";

/** Slots of a line: "101 → 102", or the one it names. */
function slots(e: JournalEntry): string {
  if (e.fromSlot !== undefined && e.toSlot !== undefined) return `${e.fromSlot} → ${e.toSlot}`;
  return String(e.toSlot ?? e.fromSlot ?? "-");
}

/** The journal as a table. */
function human(h: { readonly journal: string; readonly entries: readonly JournalEntry[] }): string {
  if (h.entries.length === 0) return `no deploys yet (${h.journal} is empty or absent)`;
  return table(
    ["TIME", "DEPLOY", "NODE", "EVENT", "IMAGE", "SLOTS", "NOTE"],
    h.entries.map((e) => [
      e.time,
      e.deploy,
      e.node,
      e.event,
      shortId(e.image),
      slots(e),
      [
        e.downtimeMs === undefined ? "" : `downtime ${(e.downtimeMs / 1000).toFixed(1)}s`,
        e.event === "begin" && e.previous ? `from ${shortId(e.previous)}` : "",
        e.message ?? "",
      ]
        .filter(Boolean)
        .join("; "),
    ]),
  );
}

/** Prints the journal of the inventory, newest first. */
export async function history(o: GlobalOptions & { readonly inventory: string; readonly json?: boolean }): Promise<void> {
  emit(o.json, await journalHistory({ inventory: o.inventory }), human);
}
