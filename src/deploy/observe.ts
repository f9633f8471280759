// What the hosts say: both slots of every planned node, and which templates each host already has.
// Reads only; a few at a time per host so a large site does not open dozens of sessions at once.
import pLimit from "p-limit";
import type { HostDriver, NodeInventory, NodeState } from "./types.js";

/** A template as the drivers take it. */
export interface TemplateRef {
  readonly image: string;
  readonly file: string;
  readonly sha256: string;
}

/** Reads both slots of each node from its host's driver. */
export async function observeNodes(o: { readonly nodes: readonly NodeInventory[]; readonly drivers: ReadonlyMap<string, HostDriver> }): Promise<NodeState[]> {
  const limits = new Map<string, ReturnType<typeof pLimit>>();
  return Promise.all(
    o.nodes.map((n) => {
      const limit = limits.get(n.host) ?? pLimit(4);
      limits.set(n.host, limit);
      return limit(async (): Promise<NodeState> => {
        const d = driverOf(o.drivers, n.host);
        return { node: n.name, slots: [await d.slotState(n.slots[0]), await d.slotState(n.slots[1])] };
      });
    }),
  );
}

/** Which of `templates` each host has; a driver that cannot tell is taken to have none. */
export async function observeTemplates(o: {
  readonly hosts: readonly string[];
  readonly drivers: ReadonlyMap<string, HostDriver>;
  readonly templates: readonly TemplateRef[];
}): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  await Promise.all(
    o.hosts.map(async (h) => {
      const d = driverOf(o.drivers, h);
      const have = new Set<string>();
      for (const t of o.templates) if (d.hasTemplate && (await d.hasTemplate(t))) have.add(t.image);
      out.set(h, have);
    }),
  );
  return out;
}

/** The driver of a host (the caller connected every host it plans for). */
function driverOf(drivers: ReadonlyMap<string, HostDriver>, host: string): HostDriver {
  const d = drivers.get(host);
  if (!d) throw new Error(`observe: no driver for host ${host}`);
  return d;
}
