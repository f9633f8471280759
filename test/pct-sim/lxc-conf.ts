// The simulator's own LXC config writer: turns a stored pct config into <lxcpath>/<vmid>/config the way
// pve-container's PVE::LXC::update_lxc_config documents it. Written apart from kiln's lxc driver on purpose:
// the simulator checks kiln's deploys, so a bug in kiln's writer must not be copied into it.
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import type { Conf } from "./conf.js";
import { parsePropertyString, type PropertyFormat } from "./property-string.js";
import { die } from "./pve-error.js";
import { MP_FORMAT, NET_FORMAT } from "./schema.js";

/** What the host offers that the config depends on, read straight from /sys and /usr/share/lxc. */
interface Host {
  readonly cgroup2Memory: boolean;
  readonly cgroup1Memory: boolean;
  readonly cpus: number;
  readonly apparmor: boolean;
}

/** Reads a small file, or "" when it is missing. */
function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Probes the local host (the simulator always runs on the "Proxmox node" itself). */
function probeHost(): Host {
  return {
    cgroup2Memory: /\bmemory\b/.test(readOr("/sys/fs/cgroup/cgroup.controllers")),
    cgroup1Memory: existsSync("/sys/fs/cgroup/memory"),
    cpus: cpus().length || 1,
    apparmor: readOr("/sys/module/apparmor/parameters/enabled").trim() === "Y",
  };
}

/** A stored property string (already validated when pct wrote it). */
function property(format: PropertyFormat, text: string, key: string): Record<string, string> {
  const r = parsePropertyString(format, text, key);
  if (!r.ok) throw die(`${key}: ${Object.values(r.errors).join("; ")}`);
  return r.value;
}

/** fstab(5) field escaping, as lxc.mount.entry reads it: space, tab, newline and backslash as \ooo. */
function fstabField(s: string): string {
  let out = "";
  for (const c of s) out += c === " " || c === "\t" || c === "\n" || c === "\\" ? `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}` : c;
  return out;
}

/** Memory keys: cgroup2 gets max, a soft high 1016/1024 of it (max − 128 MiB from 16 GiB up) and swap; v1 the hard limit. */
function memoryKeys(h: Host, memMiB: number, swapMiB: number): string[] {
  const MiB = 1024 * 1024;
  if (h.cgroup2Memory) {
    const high = memMiB >= 16384 ? (memMiB - 128) * MiB : (memMiB * MiB * 1016) / 1024;
    return [`lxc.cgroup2.memory.max = ${memMiB * MiB}`, `lxc.cgroup2.memory.high = ${high}`, `lxc.cgroup2.memory.swap.max = ${swapMiB * MiB}`];
  }
  return h.cgroup1Memory ? [`lxc.cgroup.memory.limit_in_bytes = ${memMiB * MiB}`] : [];
}

/** `cores: N` pins the CT to N host CPUs (the first N here); nothing when unset or N covers the host. */
function cpuKeys(h: Host, cores: number | undefined): string[] {
  if (cores === undefined || cores >= h.cpus || (!h.cgroup2Memory && !h.cgroup1Memory)) return [];
  const set = cores === 1 ? "0" : `0-${cores - 1}`;
  return [h.cgroup2Memory ? `lxc.cgroup2.cpuset.cpus = ${set}` : `lxc.cgroup.cpuset.cpus = ${set}`];
}

/** net0 as a veth on its bridge (no bridge: no network keys, the CT starts without a NIC). */
function netKeys(conf: Conf): string[] {
  if (!conf.net0) return [];
  const n = property(NET_FORMAT, conf.net0, "net0");
  if (!n.bridge) return [];
  return [
    "lxc.net.0.type = veth",
    `lxc.net.0.link = ${n.bridge}`,
    `lxc.net.0.name = ${n.name ?? "eth0"}`,
    ...(n.hwaddr ? [`lxc.net.0.hwaddr = ${n.hwaddr.toLowerCase()}`] : []),
  ];
}

/** mpN bind mounts, parents before children, created in the CT when missing. */
function mountKeys(conf: Conf): string[] {
  const mps = Object.keys(conf)
    .filter((k) => /^mp\d+$/.test(k))
    .map((k) => property(MP_FORMAT, conf[k] ?? "", k))
    .map((m) => ({ host: m.volume ?? "", path: (m.mp ?? "").replace(/^\/+/, ""), ro: m.ro === "1" }))
    .sort((a, b) => a.path.split("/").length - b.path.split("/").length || a.path.localeCompare(b.path));
  return mps.map((m) => `lxc.mount.entry = ${fstabField(m.host)} ${fstabField(m.path)} none bind,create=dir${m.ro ? ",ro" : ""} 0 0`);
}

/** The LXC config text for a pct config whose root volume is the directory `rootfs`. */
export function simLxcConfig(vmid: string, conf: Conf, rootfs: string): string {
  const h = probeHost();
  const ostype = conf.ostype ?? "debian";
  const common = `/usr/share/lxc/config/${ostype}.common.conf`;
  const lines = [
    `# pct-sim: CT ${vmid}`,
    `lxc.include = ${existsSync(common) ? common : "/usr/share/lxc/config/common.conf"}`,
    `lxc.arch = ${conf.arch ?? "amd64"}`,
    `lxc.apparmor.profile = ${h.apparmor ? "generated" : "unconfined"}`,
    `lxc.tty.max = ${conf.tty ?? "2"}`,
    "lxc.environment = TERM=linux",
    `lxc.uts.name = ${conf.hostname ?? `CT${vmid}`}`,
    ...memoryKeys(h, Number(conf.memory ?? 512), Number(conf.swap ?? 512)),
    ...cpuKeys(h, conf.cores === undefined ? undefined : Number(conf.cores)),
    `lxc.rootfs.path = dir:${rootfs}`,
    ...netKeys(conf),
    ...mountKeys(conf),
  ];
  for (const l of lines) if (/[\0-\x1f\x7f]/.test(l)) throw die(`pct-sim: control character in LXC config line ${JSON.stringify(l)}`);
  return `${lines.join("\n")}\n`;
}
