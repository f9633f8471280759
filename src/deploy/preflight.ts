// Deploy preflight: once the plan is known and before anything changes, each host is asked what the plan
// needs of it (bridge, storage, tools, free slot ids), and every problem on every host is reported at once.
import { UserError, type Problem } from "../errors.js";
import { displayPath } from "../util/display-path.js";
import type { HostDriver, Inventory, PreflightNode, SwapPlan } from "./types.js";

/** Per host, the nodes the plan changes and the slots it creates into without a destroy first. */
export function preflightNodes(swap: SwapPlan, inventory: Inventory): Map<string, PreflightNode[]> {
  const out = new Map<string, PreflightNode[]>();
  for (const p of swap.nodes) {
    const node = inventory.nodes.find((n) => n.name === p.node);
    if (!node || !p.actions.some((a) => a.kind !== "none")) continue;
    const destroyed = new Set(p.actions.flatMap((a) => (a.kind === "destroy" ? [a.vmid] : [])));
    const freeSlots = p.actions.flatMap((a) => (a.kind === "create" && !destroyed.has(a.vmid) ? [a.vmid] : []));
    out.set(node.host, [...(out.get(node.host) ?? []), { node, freeSlots }]);
  }
  return out;
}

/** Runs every host's preflight (in parallel); throws one UserError listing all problems, nothing changed. */
export async function preflightHosts(o: {
  readonly swap: SwapPlan;
  readonly inventory: Inventory;
  readonly drivers: ReadonlyMap<string, HostDriver>;
}): Promise<void> {
  const file = displayPath(o.inventory.path);
  const perHost = await Promise.all(
    [...preflightNodes(o.swap, o.inventory)].map(([host, nodes]) => o.drivers.get(host)?.preflight?.(nodes) ?? Promise.resolve([])),
  );
  const problems: Problem[] = perHost.flat().map((p) => ({ file, ...p }));
  if (problems.length) throw new UserError(problems, { hint: "fix these on the hosts (or in the inventory) and deploy again; nothing was changed" });
}
