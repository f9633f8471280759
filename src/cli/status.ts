// `kiln status --inventory INV [--json]`: what the hosts say runs on each node.
import { loadConfig } from "../config.js";
import { imageLabel } from "../deploy/plan-table.js";
import { nodeStatus, type StatusReport } from "../deploy/status.js";
import type { GlobalOptions } from "./options.js";
import { emit } from "./output.js";
import { table } from "../util/format.js";

/** One row per node, then any unfinished deploy with its fix. */
function human(r: StatusReport): string {
  const label = (id: string | undefined, tags: readonly string[]) => imageLabel(id, new Map(id ? [[id, tags]] : []));
  const rows = r.nodes.map((n) => [
    n.node,
    n.host,
    n.state,
    n.slot === undefined ? "-" : String(n.slot),
    label(n.image, n.tags),
    n.health ?? "-",
    n.standby ? `${n.standby.slot}: ${imageLabel(n.standby.image)}` : "-",
  ]);
  const notes = r.nodes.flatMap((n) => [n.unfinished, n.error].filter(Boolean).map((x) => `${n.node}: ${x}`));
  return [table(["NODE", "HOST", "STATE", "SLOT", "IMAGE", "HEALTH", "STANDBY"], rows), ...notes].join("\n");
}

/** Prints each node's running slot, image (id + tag), systemd health and standby slot. */
export async function status(o: GlobalOptions & { readonly inventory: string; readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  emit(o.json, await nodeStatus({ inventory: o.inventory, store }), human);
}
