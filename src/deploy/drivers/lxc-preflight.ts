// What the lxc driver checks on a host before a deploy changes anything: the LXC tools and `ip` are
// installed, the LXC path exists, each node's bridge exists, and no slot the plan takes as free holds
// something kiln did not make. Without it a missing bridge shows only at lxc-start, after both slots
// were built.
import type { Problem } from "../../errors.js";
import { quoteInput } from "../../util/quote.js";
import type { HostInventory, PreflightNode, Transport } from "../types.js";
import { bridgeProblems } from "./host-links.js";

/** Tools the driver runs on the host (tar unpacks templates; ip answers the bridge check). */
export const LXC_HOST_TOOLS = ["lxc-start", "lxc-stop", "lxc-info", "lxc-attach", "lxc-destroy", "tar", "ip"] as const;

// Prints each argument that is not a command on the host's PATH. Constant text; the names arrive as "$@".
const MISSING_TOOLS = 'for t; do command -v "$t" >/dev/null 2>&1 || echo "$t"; done; exit 0';
// Prints each slot id (after the LXC path in $1) whose directory exists without kiln's creating marker
// (lxc.ts CREATING): something kiln did not make sits where the plan creates a container.
const FOREIGN_SLOTS = 'p=$1; shift; for id; do if [ -e "$p/$id" ] && [ ! -e "$p/$id/.kiln-creating" ]; then echo "$id"; fi; done; exit 0';

/** Every problem this host has for these nodes (none: ready). */
export async function lxcPreflight(t: Transport, host: HostInventory, nodes: readonly PreflightNode[]): Promise<Problem[]> {
  const hostKey = `hosts.${host.name}`;
  const slots = nodes.flatMap((n) => n.freeSlots.map(String));
  const [tools, storage, foreign] = await Promise.all([
    t.run(["sh", "-c", MISSING_TOOLS, "sh", ...LXC_HOST_TOOLS], { allowFailure: true }),
    t.run(["test", "-d", host.storage], { allowFailure: true }),
    slots.length ? t.run(["sh", "-c", FOREIGN_SLOTS, "sh", host.storage, ...slots], { allowFailure: true }) : undefined,
  ]);
  const missing = lines(tools.stdout);
  const problems: Problem[] = [];
  if (tools.exitCode !== 0)
    problems.push({
      key: `${hostKey}.address`,
      message: `cannot run commands on ${t.describe}: ${quoteInput(tools.stderr.trim() || `exit ${tools.exitCode}`)}`,
    });
  if (missing.length)
    problems.push({
      key: `${hostKey}.driver`,
      message: `${missing.join(", ")} not found on ${t.describe}; the lxc driver needs them (install lxc, tar and iproute2)`,
    });
  if (storage.exitCode !== 0)
    problems.push({
      key: `${hostKey}.storage`,
      message: `LXC path ${quoteInput(host.storage)} is not a directory on ${t.describe}; create it or set storage to the host's lxc.lxcpath`,
    });
  // Any link of that name will do for LXC (lxc-start reports a wrong kind itself).
  if (!missing.includes("ip")) problems.push(...(await bridgeProblems(t, nodes, () => true)));
  const taken = new Set(lines(foreign?.stdout ?? "").map(Number));
  for (const { node } of nodes) {
    node.slots.forEach((vmid, k) => {
      if (taken.has(vmid))
        problems.push({
          key: `nodes.${node.name}.slots[${k}]`,
          message: `${quoteInput(`${host.storage}/${vmid}`)} on host ${host.name} exists but kiln did not make it; remove it yourself or give the node other slot ids`,
        });
    });
  }
  return problems;
}

/** Non-empty lines of command output. */
function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}
