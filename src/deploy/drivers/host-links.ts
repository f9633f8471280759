// The network links a host has, from one `ip -j -d link show` (iproute2's JSON): both drivers' preflight
// asks it once per host which of the nodes' bridges exist, and words a missing one the same way.
import type { Problem } from "../../errors.js";
import { quoteInput } from "../../util/quote.js";
import type { PreflightNode, Transport } from "../types.js";

/** Lists every link with its kind (`-d` adds linkinfo.info_kind: "bridge", "openvswitch", "veth", …). */
export const IP_LINKS_ARGV = ["ip", "-j", "-d", "link", "show"] as const;

/** Link kinds a container's veth can be plugged into on Proxmox VE: a Linux bridge (also an SDN vnet) or an Open vSwitch bridge. */
export const BRIDGE_KINDS: readonly string[] = ["bridge", "openvswitch"];

/** One link: its name and kind ("" for a plain device such as lo or a NIC). */
export interface HostLink {
  readonly name: string;
  readonly kind: string;
}

/** A record of `ip -j` output with a name; linkinfo, when present, an object. */
function isIpLink(v: unknown): v is { readonly ifname: string; readonly linkinfo?: { readonly info_kind?: unknown } } {
  if (typeof v !== "object" || v === null || !("ifname" in v) || typeof v.ifname !== "string") return false;
  return !("linkinfo" in v) || (typeof v.linkinfo === "object" && v.linkinfo !== null);
}

/** The links in `ip -j -d link show` output (records without a name skipped). */
export function parseIpLinks(json: string): HostLink[] {
  const links: unknown = JSON.parse(json);
  if (!Array.isArray(links)) return [];
  return links.filter(isIpLink).map((l) => ({ name: l.ifname, kind: typeof l.linkinfo?.info_kind === "string" ? l.linkinfo.info_kind : "" }));
}

/** The host's links, or a problem (keyed to the host) saying why they could not be listed. */
export async function hostLinks(t: Transport, host: string): Promise<HostLink[] | Problem> {
  const r = await t.run(IP_LINKS_ARGV, { allowFailure: true });
  if (r.exitCode === 0) return parseIpLinks(r.stdout);
  return {
    key: `hosts.${host}.address`,
    message: `cannot list the links on ${t.describe} (\`ip -j -d link show\`): ${quoteInput(r.stderr.trim() || `exit ${r.exitCode}`)}`,
  };
}

/** One problem per node whose bridge is not among `present`. */
export function absentBridgeProblems(t: Transport, nodes: readonly PreflightNode[], present: ReadonlySet<string>): Problem[] {
  return nodes
    .filter((n) => !present.has(n.node.network.bridge))
    .map((n) => ({
      key: `nodes.${n.node.name}.network.bridge`,
      message: `bridge ${quoteInput(n.node.network.bridge)} does not exist on host ${n.node.host} (${t.describe}); create it or name an existing one`,
    }));
}

/** Every node's bridge problems on this host: `accept` says which links count as its bridge. */
export async function bridgeProblems(t: Transport, nodes: readonly PreflightNode[], accept: (l: HostLink) => boolean): Promise<Problem[]> {
  const host = nodes[0]?.node.host;
  if (host === undefined) return [];
  const links = await hostLinks(t, host);
  if (!Array.isArray(links)) return [links];
  return absentBridgeProblems(t, nodes, new Set(links.filter(accept).map((l) => l.name)));
}
