// Pure pct(1) / pvesm(1) argv for the proxmox driver, in pct's documented syntax, and parsers of what
// pct prints (`pct status`, `pct config`, `pct mount`).
import { isIPv6 } from "node:net";
import { InternalError } from "../../errors.js";
import { quoteInput } from "../../util/quote.js";
import type { Mount, NodeInventory } from "../types.js";
import { noControls } from "../config-safe.js";

/**
 * A value inside a property string must not carry its separators (a ',' would add an option, '=' a key)
 * nor a control character (pct writes the string into a config file line). The inventory refuses such
 * values, so one arriving here is a bug.
 */
function plain(what: string, v: string): string {
  noControls(what, v);
  if (/[,=\s]/.test(v))
    throw new InternalError(`refusing to pass ${what} ${quoteInput(v)} to pct: commas, '=' and spaces are separators in its property strings`);
  return v;
}

/** --net0: name=eth0,bridge=…,hwaddr=…,ip=…/gw=… (or ip6/gw6 for an IPv6 address),type=veth */
export function netSpec(net: NodeInventory["network"]): string {
  const v6 = net.ip !== "dhcp" && isIPv6(net.ip.split("/")[0] ?? "");
  const parts = [
    "name=eth0",
    `bridge=${plain("network.bridge", net.bridge)}`,
    `hwaddr=${plain("network.mac", net.mac).toUpperCase()}`,
    `${v6 ? "ip6" : "ip"}=${plain("network.ip", net.ip)}`,
    ...(net.gateway ? [`${v6 ? "gw6" : "gw"}=${plain("network.gateway", net.gateway)}`] : []),
    "type=veth",
  ];
  return parts.join(",");
}

/** --mpN: a bind mount of a host directory: <host path>,mp=<path>[,ro=1] (backup=0: data is not the CT's). */
export function mpSpec(m: Mount): string {
  return `${plain("mounts.host", m.host)},mp=${plain("mounts.path", m.path)}${m.readOnly ? ",ro=1" : ""},backup=0`;
}

/** The description kiln records on a container: the image it was made from (or is being made from) and the node. */
export function kilnDescription(o: { readonly image: string; readonly node: string; readonly creating?: boolean }): string {
  return `${o.creating ? "kiln-creating" : "kiln-image"}=${o.image} kiln-node=${o.node}`;
}

/**
 * `pct create` of a stopped, privileged container for `node` in slot `vmid` from template volume `volid`.
 * No data mounts here: pct create bind-mounts mpN directories before it unpacks the template, so template
 * files under a mount path would land in the live data directory; they are added by `pctMountsArgv`.
 */
export function pctCreateArgv(o: {
  readonly vmid: number;
  readonly volid: string;
  readonly node: NodeInventory;
  readonly rootStorage: string;
  readonly image: string;
}): string[] {
  const n = o.node;
  // pct writes these into the container's config file, one "key: value" line each.
  return [
    "pct",
    "create",
    String(o.vmid),
    o.volid,
    "--hostname",
    n.hostname,
    "--cores",
    String(n.cores),
    "--memory",
    String(n.memory),
    // The inventory's memory is the whole budget; Proxmox would add 512 MiB of swap by default.
    "--swap",
    "0",
    "--rootfs",
    `${o.rootStorage}:${n.disk}`,
    "--net0",
    netSpec(n.network),
    // Privileged, like the lxc driver: data mounts keep their host owners (pct create defaults to unprivileged).
    "--unprivileged",
    "0",
    // systemd newer than 241 needs nesting under Proxmox's AppArmor profile (PVE::LXC::Setup::Base::check_systemd_nesting).
    "--features",
    "nesting=1",
    "--onboot",
    "0",
    "--description",
    kilnDescription({ image: o.image, node: n.name, creating: true }),
  ].map((a) => noControls("the pct create argument", a));
}

/** `pct set` that adds the node's data mounts and marks the slot complete (after create, before the first start). */
export function pctFinishArgv(o: { readonly vmid: number; readonly node: NodeInventory; readonly image: string }): string[] {
  return [
    "pct",
    "set",
    String(o.vmid),
    ...o.node.mounts.flatMap((m, i) => [`--mp${i}`, mpSpec(m)]),
    "--description",
    kilnDescription({ image: o.image, node: o.node.name }),
  ];
}

/** PATH a command gets inside the container when the host's environment is cleared. */
const CT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * `pct exec` with a clean environment: `--keep-env 0` where pct has it (pve-container >= 5.0.9); an older
 * pct refuses that option, so there the command runs under `env -i` instead.
 */
export function pctExecArgv(vmid: number, argv: readonly string[], keepEnvOption: boolean): string[] {
  return keepEnvOption ? ["pct", "exec", String(vmid), "--keep-env", "0", "--", ...argv] : ["pct", "exec", String(vmid), "--", "env", "-i", CT_PATH, ...argv];
}

/** Parses `pct config` output ("key: value" lines) into a map. */
export function parsePctConfig(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    const kv = /^([a-z][\w.-]*):\s?(.*)$/.exec(line);
    if (kv) m.set(kv[1] as string, kv[2] as string);
  }
  return m;
}

/** Decodes a description as `pct config` prints it (%XX encoded, PVE::Tools::encode_text). */
export function decodeDescription(text: string): string {
  return Buffer.from(
    text.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    "latin1",
  ).toString("utf8");
}

/** The image and node kiln recorded in a description; `complete` is false while the slot was still being made. */
export function parseKilnDescription(desc: string | undefined): { readonly image: string; readonly node?: string; readonly complete: boolean } | undefined {
  const d = decodeDescription(desc ?? "");
  const m = /\bkiln-(image|creating)=(sha256:[0-9a-f]{64})/.exec(d);
  if (!m) return undefined;
  return { image: m[2] as string, node: /\bkiln-node=(\S+)/.exec(d)?.[1], complete: m[1] === "image" };
}

/** Parses `pct status` ("status: running"). */
export function parsePctStatus(text: string): string | undefined {
  return /^status:\s*(\S+)/m.exec(text)?.[1];
}

/** The root directory `pct mount` reports ("mounted CT 101 in '/var/lib/lxc/101/rootfs'"). */
export function parsePctMount(text: string): string | undefined {
  return /mounted CT \d+ in '([^']+)'/.exec(text)?.[1];
}
