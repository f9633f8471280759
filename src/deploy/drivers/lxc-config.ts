// Pure text of what a container needs, written the way Proxmox's `pct create` would: the LXC config
// (pve-container PVE::LXC::update_lxc_config), and inside the rootfs /etc/network/interfaces,
// /etc/hostname and /etc/hosts (PVE::LXC::Setup::Debian::setup_network, Base::set_hostname).
import { isIPv6 } from "node:net";
import type { Mount, NodeInventory } from "../types.js";
import { noControls } from "../config-safe.js";

/** What the host offers that the config depends on (probed once per host). */
export interface HostFacts {
  /** cgroup2 with the memory controller, legacy v1 controllers, or neither. */
  readonly cgroup: "v2" | "v1" | "none";
  readonly cpus: number;
  /** AppArmor enabled in the kernel: LXC then generates a profile, as Proxmox does. */
  readonly apparmor: boolean;
  /** lxc.include for the distribution, e.g. /usr/share/lxc/config/debian.common.conf. */
  readonly include: string;
}

export interface LxcConfigInput {
  readonly node: NodeInventory;
  readonly vmid: number;
  /** Absolute rootfs directory. */
  readonly rootfs: string;
  readonly arch: string;
  readonly facts: HostFacts;
}

/** Escapes a path for an fstab field (lxc.mount.entry is fstab(5) syntax): space, tab, newline, backslash. */
export function fstabEscape(path: string): string {
  return path.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

/** One bind mount of host data, created in the container if missing (what Proxmox's `mpN: /host,mp=/path` gives). */
export function mountEntry(m: Mount): string {
  // Checked before escaping: fstabEscape would turn a newline into \012 and hide a bug upstream.
  noControls("the mount source", m.host);
  noControls("the mount target", m.path);
  const target = m.path.replace(/^\/+/, "");
  return `lxc.mount.entry = ${fstabEscape(m.host)} ${fstabEscape(target)} none bind,create=dir${m.readOnly ? ",ro" : ""} 0 0`;
}

/** Memory limits like Proxmox: hard max, and a soft `high` a little below it (PVE::LXC::Config::calculate_memory_constraints). */
function memoryLines(mib: number, cgroup: HostFacts["cgroup"]): string[] {
  const max = mib * 1024 * 1024;
  if (cgroup === "v2") {
    const high = mib >= 16 * 1024 ? (mib - 128) * 1024 * 1024 : mib * 1024 * 1016;
    return [`lxc.cgroup2.memory.max = ${max}`, `lxc.cgroup2.memory.high = ${high}`, "lxc.cgroup2.memory.swap.max = 0"];
  }
  return cgroup === "v1" ? [`lxc.cgroup.memory.limit_in_bytes = ${max}`] : [];
}

/** Cores as a cpuset of the first N host CPUs (Proxmox picks N of the host's CPUs); none when N covers them all. */
function cpuLines(cores: number, facts: HostFacts): string[] {
  if (facts.cgroup === "none" || cores >= facts.cpus) return [];
  const set = cores === 1 ? "0" : `0-${cores - 1}`;
  return [facts.cgroup === "v2" ? `lxc.cgroup2.cpuset.cpus = ${set}` : `lxc.cgroup.cpuset.cpus = ${set}`];
}

/** The container's LXC config file; every line is refused if it holds a control character (one line per key). */
export function lxcConfigText(i: LxcConfigInput): string {
  const n = i.node;
  const mounts = [...n.mounts].sort((a, b) => a.path.split("/").length - b.path.split("/").length || a.path.localeCompare(b.path));
  const lines = [
    `# kiln: node ${n.name}, slot ${i.vmid} (the image it was created from is in kiln.json beside this file)`,
    `lxc.include = ${i.facts.include}`,
    `lxc.arch = ${i.arch}`,
    // Proxmox lets LXC generate an AppArmor profile; without AppArmor in the kernel there is nothing to load.
    `lxc.apparmor.profile = ${i.facts.apparmor ? "generated" : "unconfined"}`,
    // pct's defaults: two ttys, and TERM for init scripts that expect a Linux console.
    "lxc.tty.max = 2",
    "lxc.environment = TERM=linux",
    `lxc.uts.name = ${n.hostname}`,
    ...memoryLines(n.memory, i.facts.cgroup),
    ...cpuLines(n.cores, i.facts),
    `lxc.rootfs.path = dir:${i.rootfs}`,
    "lxc.net.0.type = veth",
    `lxc.net.0.link = ${n.network.bridge}`,
    "lxc.net.0.name = eth0",
    // The fixed MAC is part of the node's identity: DHCP reservations and switches see the same node.
    `lxc.net.0.hwaddr = ${n.network.mac.toLowerCase()}`,
    ...mounts.map(mountEntry),
  ];
  return `${lines.map((l) => noControls("the LXC config line", l)).join("\n")}\n`;
}

/** /etc/network/interfaces for ifupdown: loopback plus eth0, static (v4 or v6) or DHCP. */
export function interfacesText(net: NodeInventory["network"]): string {
  const head = [
    "# Written by kiln from the inventory; changes here are lost on the next deploy.",
    "source /etc/network/interfaces.d/*",
    "",
    "auto lo",
    "iface lo inet loopback",
    "",
    "auto eth0",
  ];
  noControls("the address", net.ip);
  if (net.gateway !== undefined) noControls("the gateway", net.gateway);
  if (net.ip === "dhcp") return [...head, "iface eth0 inet dhcp", ""].join("\n");
  const family = isIPv6(net.ip.split("/")[0] ?? "") ? "inet6" : "inet";
  // Debian ≥ 10 takes the address in CIDR form (as Proxmox writes it for such containers).
  return [...head, `iface eth0 ${family} static`, `\taddress ${net.ip}`, ...(net.gateway ? [`\tgateway ${net.gateway}`] : []), ""].join("\n");
}

/** /etc/hostname: the first label, as Proxmox writes it. */
export function hostnameText(hostname: string): string {
  noControls("the hostname", hostname);
  return `${hostname.replace(/\..*$/, "")}\n`;
}

const BEGIN = "# --- BEGIN KILN ---";
const END = "# --- END KILN ---";

/**
 * /etc/hosts with the node's own names in a marked section (replaced on every create), the rest of the
 * template's file kept; localhost lines added when the template has none (PVE::LXC::Setup::Base::update_etc_hosts).
 */
export function hostsText(existing: string | undefined, o: { readonly hostname: string; readonly ip: string }): string {
  noControls("the hostname", o.hostname);
  noControls("the address", o.ip);
  const kept = (existing ?? "").replace(new RegExp(`${BEGIN}\\n[\\s\\S]*?${END}\\n?`, "g"), "");
  const short = o.hostname.replace(/\..*$/, "");
  const names = o.hostname.includes(".") ? `${o.hostname} ${short}` : o.hostname;
  const addr = o.ip === "dhcp" ? "127.0.1.1" : (o.ip.split("/")[0] as string);
  const section = [
    ...(/^\s*127\.0\.0\.1\s/m.test(kept) ? [] : ["127.0.0.1 localhost"]),
    ...(/^\s*::1\s/m.test(kept) ? [] : ["::1 localhost ip6-localhost ip6-loopback"]),
    `${addr} ${names}`,
  ];
  const body = kept.length && !kept.endsWith("\n") ? `${kept}\n` : kept;
  return `${body}${BEGIN}\n${section.join("\n")}\n${END}\n`;
}

/**
 * tar argv that unpacks a template like `pct create` does (PVE::LXC::Create::restore_tar_archive with
 * PVE::Storage::Plugin's COMMON_TAR_FLAGS): numeric owners, permissions, ACLs, user.* xattrs and file
 * capabilities, nothing under ./dev (LXC populates /dev itself).
 */
export function extractArgv(template: string, rootfs: string): string[] {
  const z = template.endsWith(".zst") ? ["--zstd"] : template.endsWith(".gz") ? ["-z"] : template.endsWith(".xz") ? ["-J"] : [];
  return [
    "tar",
    "-x",
    "-p",
    "-f",
    template,
    ...z,
    "--one-file-system",
    "--sparse",
    "--numeric-owner",
    "--acls",
    "--xattrs",
    "--xattrs-include=user.*",
    "--xattrs-include=security.capability",
    "--warning=no-file-ignored",
    "--warning=no-xattr-write",
    "-C",
    rootfs,
    "--anchored",
    "--exclude",
    "./dev/*",
  ];
}

/** Arch and ostype from a template name in Proxmox form `<ostype>-<name>_<version>_<arch>.tar.zst`. */
export function templateNameParts(file: string): { readonly ostype?: string; readonly arch?: string } {
  const base = file.replace(/^.*\//, "");
  const arch = /_([a-z0-9]+)\.tar(\.[a-z0-9]+)?$/.exec(base)?.[1];
  const ostype = /^([a-z]+)-/.exec(base)?.[1];
  return { ostype, arch };
}
