// `kiln status` (the truth from the hosts: per node the running slot, its image and tag, systemd's
// state, and whether a deploy is unfinished) and `kiln history` (the journal, newest first).
import pLimit from "p-limit";
import { tagsById } from "../store/tags.js";
import { systemdStateArgv } from "./health.js";
import { connectHosts, type Connect } from "./hosts.js";
import { loadInventory } from "../inventory/load.js";
import { journalPathFor, newestFirst, readJournal } from "./journal.js";
import { observeNodes } from "./observe.js";
import { latestRun, settled } from "./runs.js";
import type { HostDriver, JournalEntry, NodeState } from "./types.js";

export interface NodeStatusRow {
  readonly node: string;
  readonly host: string;
  readonly role?: string;
  /** "running": one slot runs; "down": slots exist, none runs; "absent": never deployed; "both": two slots run; "unreachable": the host did not answer. */
  readonly state: "running" | "down" | "absent" | "both" | "unreachable";
  readonly slot?: number;
  readonly image?: string;
  readonly tags: readonly string[];
  /** `systemctl is-system-running` in the running slot ("running", "degraded", …; "unreachable" if it did not answer). */
  readonly health?: string;
  /** The stopped slot and the image it keeps for a rollback flip. */
  readonly standby?: { readonly slot: number; readonly image?: string };
  /** An unfinished deploy on this node, with what finishes it. */
  readonly unfinished?: string;
  /** Why the host could not be read. */
  readonly error?: string;
}

export interface StatusReport {
  readonly inventory: string;
  readonly nodes: readonly NodeStatusRow[];
}

/** How long `status` waits for a container's systemd to answer. */
const HEALTH_TIMEOUT_MS = 10_000;

/** Asks each host about each node's slots and the running container's systemd state. */
export async function nodeStatus(o: { readonly inventory: string; readonly store: string }, deps: { readonly connect?: Connect } = {}): Promise<StatusReport> {
  const inventory = await loadInventory(o.inventory);
  const journal = await readJournal(journalPathFor(inventory.path));
  const hosts = await (deps.connect ?? connectHosts)(
    inventory,
    inventory.hosts.filter((h) => inventory.nodes.some((n) => n.host === h.name)).map((h) => h.name),
  );
  try {
    const tags = await tagsById(o.store);
    const limit = pLimit(8);
    const rows = await Promise.all(
      inventory.nodes.map((n) =>
        limit(async (): Promise<NodeStatusRow> => {
          // One host that does not answer must not hide what the others say.
          const observed = await observeNodes({ nodes: [n], drivers: hosts.drivers }).catch((e: unknown) => e as Error);
          if (observed instanceof Error) return { node: n.name, host: n.host, role: n.role, state: "unreachable", tags: [], error: observed.message };
          return row({ state: observed[0] as NodeState, driver: hosts.drivers.get(n.host) as HostDriver, journal, tags, host: n.host, role: n.role });
        }),
      ),
    );
    return { inventory: inventory.path, nodes: rows };
  } finally {
    await hosts.close();
  }
}

/** One node's status line. */
async function row(o: {
  readonly state: NodeState;
  readonly driver: HostDriver;
  readonly journal: readonly JournalEntry[];
  readonly tags: ReadonlyMap<string, readonly string[]>;
  readonly host: string;
  readonly role?: string;
}): Promise<NodeStatusRow> {
  const running = o.state.slots.filter((s) => s.running);
  const active = running[0];
  const other = o.state.slots.find((s) => s !== active && s.exists);
  const run = latestRun(o.journal, o.state.node);
  const unfinished = run && !settled(run) ? `deploy ${run.deploy} stopped after '${run.last.event}': run kiln deploy --resume (or kiln rollback)` : undefined;
  const state = running.length === 2 ? "both" : active ? "running" : o.state.slots.some((s) => s.exists) ? "down" : "absent";
  const health = active ? await systemdState(o.driver, active.vmid) : undefined;
  return {
    node: o.state.node,
    host: o.host,
    role: o.role,
    state,
    slot: active?.vmid,
    image: active?.image,
    tags: (active?.image && o.tags.get(active.image)) || [],
    health,
    standby: other ? { slot: other.vmid, image: other.image } : undefined,
    unfinished,
  };
}

/** systemd's overall state in a running container, without waiting for boot to finish. */
async function systemdState(driver: HostDriver, vmid: number): Promise<string> {
  try {
    const r = await driver.exec(vmid, systemdStateArgv({ wait: false }), { timeoutMs: HEALTH_TIMEOUT_MS });
    return r.stdout.trim() || "unknown";
  } catch {
    return "unreachable";
  }
}

/** The journal of an inventory, newest first. */
export async function journalHistory(o: {
  readonly inventory: string;
}): Promise<{ readonly inventory: string; readonly journal: string; readonly entries: readonly JournalEntry[] }> {
  const inventory = await loadInventory(o.inventory);
  const journal = journalPathFor(inventory.path);
  return { inventory: inventory.path, journal, entries: newestFirst(await readJournal(journal)) };
}
