// Network value checks for the inventory: IPv4/IPv6 addresses as numbers, CIDRs, "inside the subnet",
// MAC syntax and kind, hostnames. Each check returns a message (what is wrong and what to write) or undefined.
import { isIPv4, isIPv6 } from "node:net";
import { quoteInput } from "../util/quote.js";

/** An address as a number with its family, so subnets can be compared. */
export interface Addr {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A parsed `address/prefix`. */
export interface Cidr {
  readonly addr: Addr;
  readonly prefix: number;
}

/** Parses a dotted IPv4 address into a number; undefined when it is not one. */
function v4(s: string): bigint | undefined {
  if (!isIPv4(s)) return undefined;
  return s.split(".").reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

/** Parses an IPv6 address (with `::` and an embedded IPv4 tail) into a number; undefined when it is not one. */
function v6(s: string): bigint | undefined {
  if (!isIPv6(s) || s.includes("%")) return undefined;
  let text = s;
  const tail = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1]) {
    const n = v4(tail[1]) ?? 0n;
    text = `${text.slice(0, -tail[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = rest ? rest.split(":") : [];
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Parses an IPv4 or IPv6 address. */
export function parseAddr(s: string): Addr | undefined {
  const a = v4(s);
  if (a !== undefined) return { family: 4, value: a };
  const b = v6(s);
  return b === undefined ? undefined : { family: 6, value: b };
}

/** Parses `address/prefix` (prefix ≤ 32 for IPv4, ≤ 128 for IPv6). */
export function parseCidr(s: string): Cidr | string {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return `must be an address with a prefix length (CIDR) such as "10.0.0.11/24" or "fd00::11/64", or "dhcp"; got ${quoteInput(s)}`;
  const addr = parseAddr(m[1] ?? "");
  if (!addr) return `${quoteInput(m[1])} is not an IPv4 or IPv6 address`;
  const prefix = Number(m[2]);
  const max = addr.family === 4 ? 32 : 128;
  if (prefix < 1 || prefix > max) return `prefix length /${prefix} is out of range for IPv${addr.family} (1..${max})`;
  return { addr, prefix };
}

/** The network part of an address under a prefix. */
function network(a: Addr, prefix: number): bigint {
  const bits = BigInt(a.family === 4 ? 32 : 128);
  const host = bits - BigInt(prefix);
  return (a.value >> host) << host;
}

/** Checks an interface address: an IPv4 host address must be neither the network nor the broadcast address. */
export function cidrHostProblem(c: Cidr): string | undefined {
  if (c.addr.family !== 4 || c.prefix > 30) return undefined;
  const net = network(c.addr, c.prefix);
  const broadcast = net | ((1n << BigInt(32 - c.prefix)) - 1n);
  if (c.addr.value === net) return `is the network address of its subnet; give the node a host address inside it`;
  if (c.addr.value === broadcast) return `is the broadcast address of its subnet; give the node a host address inside it`;
  return undefined;
}

/** Checks that a gateway is an address of the same family, inside the node's subnet, and not the node itself. */
export function gatewayProblem(gateway: string, ip: Cidr): string | undefined {
  const g = parseAddr(gateway);
  if (!g) return `must be an IPv4 or IPv6 address, got ${quoteInput(gateway)}`;
  if (g.family !== ip.addr.family) return `is IPv${g.family} but network.ip is IPv${ip.addr.family}; use a gateway of the same family`;
  if (network(g, ip.prefix) !== network(ip.addr, ip.prefix))
    return `${gateway} is not inside the node's subnet ${formatNet(ip)}; a gateway must be directly reachable`;
  if (g.value === ip.addr.value) return `is the node's own address; name the router of the subnet`;
  return undefined;
}

/** `10.0.0.0/24` for a CIDR, for messages. */
function formatNet(c: Cidr): string {
  const n = network(c.addr, c.prefix);
  if (c.addr.family === 4) return `${[24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".")}/${c.prefix}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return `${compressV6(groups)}/${c.prefix}`;
}

/** Writes IPv6 groups with the longest run of two or more zero groups as `::` (RFC 5952). */
function compressV6(groups: readonly string[]): string {
  let best = { at: -1, len: 1 };
  for (let i = 0; i < groups.length; ) {
    let j = i;
    while (groups[j] === "0") j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(":");
  return `${groups.slice(0, best.at).join(":")}::${groups.slice(best.at + best.len).join(":")}`;
}

/** Checks a MAC address: six colon-separated hex octets, unicast, not all zeros. */
export function macProblem(mac: string): string | undefined {
  if (!/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/.test(mac)) return `must be six hex octets separated by ':' (e.g. "02:4b:49:4c:4e:01"), got ${quoteInput(mac)}`;
  const first = parseInt(mac.slice(0, 2), 16);
  if (first & 1)
    return `${mac} is a multicast address (lowest bit of the first octet set); a node needs a unicast MAC such as a locally administered "02:…" one, as Proxmox generates`;
  if (/^(?:00:){5}00$/.test(mac)) return 'must not be all zeros; give the node a fixed unicast MAC such as a locally administered "02:…" one';
  return undefined;
}

/** A MAC normalized for comparison (lowercase). */
export function normalizeMac(mac: string): string {
  return mac.toLowerCase();
}

/** True for an RFC 1123 host name: dot-separated labels of 1..63 letters, digits and inner hyphens, ≤ 253 in all. */
export function isHostname(s: string): boolean {
  return s.length <= 253 && s.split(".").every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l)) && !/^[0-9.]+$/.test(s);
}
