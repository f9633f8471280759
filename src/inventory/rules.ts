// Rules that tie inventory values together: a node's network (CIDR, gateway, MAC), and across nodes
// (unknown host, one container id used twice on a host, duplicate hostnames/MACs/addresses, mounts).
// They run on partially valid input (bad values are undefined) so every problem is reported in one go.
import { closest } from "../toml-schema/suggest.js";
import type { KeyProblem } from "../toml-schema/table.js";
import { cidrHostProblem, gatewayProblem, macProblem, normalizeMac, parseAddr, parseCidr } from "./net.js";
import type { HostInventory, Mount, NodeInventory } from "./types.js";
import { quoteInput } from "../util/quote.js";

/** A value as read: fields with a problem are undefined. */
type Draft<T> = { readonly [K in keyof T]?: T[K] } & { readonly name: string };
/** A node as read; a bad mount is undefined in place, so the others keep their index. */
export type NodeDraft = Omit<Draft<NodeInventory>, "mounts"> & { readonly mounts?: readonly (Mount | undefined)[] };

/** Checks a node's network values: ip is "dhcp" or a host address with prefix, gateway inside it, MAC unicast. */
export function networkProblems(net: { readonly ip?: string; readonly gateway?: string; readonly mac?: string }, path: string): KeyProblem[] {
  const out: KeyProblem[] = [];
  const cidr = net.ip === undefined || net.ip === "dhcp" ? undefined : parseCidr(net.ip);
  if (typeof cidr === "string") out.push({ key: `${path}.ip`, message: cidr });
  else if (cidr) {
    const host = cidrHostProblem(cidr);
    if (host) out.push({ key: `${path}.ip`, message: `${net.ip} ${host}` });
  }
  if (net.gateway !== undefined) {
    if (net.ip === "dhcp")
      out.push({ key: `${path}.gateway`, message: 'is not allowed with ip = "dhcp" (DHCP supplies the route); remove it or give a static ip' });
    else if (cidr && typeof cidr !== "string") {
      const g = gatewayProblem(net.gateway, cidr);
      if (g) out.push({ key: `${path}.gateway`, message: g });
    }
  }
  const mac = net.mac === undefined ? undefined : macProblem(net.mac);
  if (mac) out.push({ key: `${path}.mac`, message: mac });
  return out;
}

/** An address's identity for duplicate checks: `fd00::1/64` and `fd00:0::1/48` are the same address. */
function addrKey(cidr: string): string {
  const a = parseAddr(cidr.split("/")[0] ?? "");
  return a ? `${a.family}:${a.value}` : cidr;
}

/** True when one absolute path equals or contains the other. */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** Reports a value that must be unique across the inventory, at every repeat after the first. */
function unique<T>(o: {
  readonly items: readonly { readonly value: T | undefined; readonly key: string; readonly owner: string }[];
  readonly norm: (v: T) => string;
  readonly what: string;
}): KeyProblem[] {
  const seen = new Map<string, string>();
  const out: KeyProblem[] = [];
  for (const it of o.items) {
    if (it.value === undefined) continue;
    const k = o.norm(it.value);
    const first = seen.get(k);
    if (first !== undefined) out.push({ key: it.key, message: `${o.what} ${String(it.value)} is also used by node ${first}; each node needs its own` });
    else seen.set(k, it.owner);
  }
  return out;
}

/** Container ids: a slot id may appear once per host (two nodes, or a node's two slots, never share one). */
function slotClashes(nodes: readonly NodeDraft[]): KeyProblem[] {
  const byHost = new Map<string, Map<number, string>>();
  const out: KeyProblem[] = [];
  for (const n of nodes) {
    if (!n.host || !n.slots) continue;
    const used = byHost.get(n.host) ?? new Map<number, string>();
    byHost.set(n.host, used);
    n.slots.forEach((id, i) => {
      const other = used.get(id);
      if (other !== undefined)
        out.push({
          key: `nodes.${n.name}.slots[${i}]`,
          message: `container id ${id} on host ${n.host} is already a slot of node ${other}; give each node two ids of its own`,
        });
      else used.set(id, n.name);
    });
  }
  return out;
}

/** Mounts: inside one node no two overlap (host or container side); a writable host directory is one node's alone. */
function mountProblems(nodes: readonly NodeDraft[]): KeyProblem[] {
  const out: KeyProblem[] = [];
  const writable = new Map<string, { node: string; path: string }[]>();
  for (const n of nodes) {
    const ms = n.mounts ?? [];
    ms.forEach((m, i) => {
      if (!m) return;
      const key = `nodes.${n.name}.mount[${i}]`;
      const earlier = ms.slice(0, i);
      const inside = earlier.findIndex((e) => e !== undefined && overlaps(e.path, m.path));
      if (inside >= 0)
        out.push({ key: `${key}.path`, message: `${m.path} overlaps mount[${inside}].path ${earlier[inside]?.path}; mount points of one node must not nest` });
      const hostSide = earlier.findIndex((e) => e !== undefined && overlaps(e.host, m.host));
      if (hostSide >= 0)
        out.push({ key: `${key}.host`, message: `${m.host} overlaps mount[${hostSide}].host ${earlier[hostSide]?.host}; mount each host directory once` });
      if (!n.host) return;
      const others = writable.get(n.host) ?? [];
      const clash = others.find((o) => o.node !== n.name && overlaps(o.path, m.host));
      if (clash && !m.readOnly)
        out.push({
          key: `${key}.host`,
          message: `${m.host} on host ${n.host} is also mounted by node ${clash.node}; a writable data directory belongs to one node (set read_only = true to share it)`,
        });
      if (!m.readOnly) writable.set(n.host, [...others, { node: n.name, path: m.host }]);
    });
  }
  return out;
}

/** Every rule across hosts and nodes. */
export function crossCheck(inv: { readonly hosts: readonly Draft<HostInventory>[]; readonly nodes: readonly NodeDraft[] }): KeyProblem[] {
  const hostNames = inv.hosts.map((h) => h.name);
  const out: KeyProblem[] = [];
  for (const n of inv.nodes) {
    if (n.host !== undefined && !hostNames.includes(n.host)) {
      const near = closest(n.host, hostNames);
      out.push({
        key: `nodes.${n.name}.host`,
        message: `no host ${quoteInput(n.host)} in this inventory${near ? ` (did you mean "${near}"?)` : ""}; hosts are: ${hostNames.join(", ") || "none"}`,
      });
    }
  }
  out.push(...slotClashes(inv.nodes));
  out.push(
    ...unique({
      items: inv.nodes.map((n) => ({ value: n.hostname, key: `nodes.${n.name}.hostname`, owner: n.name })),
      norm: (h: string) => h.toLowerCase(),
      what: "hostname",
    }),
  );
  out.push(
    ...unique({ items: inv.nodes.map((n) => ({ value: n.network?.mac, key: `nodes.${n.name}.network.mac`, owner: n.name })), norm: normalizeMac, what: "MAC" }),
  );
  const staticIp = (n: NodeDraft) => (n.network && n.network.ip !== "dhcp" ? n.network.ip : undefined);
  out.push(
    ...unique({ items: inv.nodes.map((n) => ({ value: staticIp(n), key: `nodes.${n.name}.network.ip`, owner: n.name })), norm: addrKey, what: "address" }),
  );
  out.push(...mountProblems(inv.nodes));
  return out;
}
