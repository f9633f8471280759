// The simulated node's containers on real LXC: a pct config becomes an LXC config written by the
// simulator's own writer (lxc-conf.ts, PVE::LXC::update_lxc_config's job), the rootfs is set up as
// PVE's Debian setup does, and the LXC tools run with the sim's LXC path.
import { existsSync } from "node:fs";
import { run } from "../../src/exec/run.js";
import { writeRootFile, writeRootFiles } from "../../src/deploy/drivers/host-files.js";
import { rootfsWrites } from "../../src/deploy/drivers/lxc.js";
import { localTransport } from "../../src/deploy/transport/local.js";
import type { Mount, NodeInventory } from "../../src/deploy/types.js";
import type { Conf } from "./conf.js";
import { simLxcConfig } from "./lxc-conf.js";
import { parsePropertyString } from "./property-string.js";
import { die } from "./pve-error.js";
import { MP_FORMAT, NET_FORMAT, ROOTFS_FORMAT } from "./schema.js";
import { parseVolume, type World } from "./world.js";

export const local = localTransport();

/** True when LXC reports the CT running. */
export async function isRunning(w: World, vmid: string): Promise<boolean> {
  const r = await run(["lxc-info", "-n", vmid, "-P", w.lxcpath, "-s"], { allowFailure: true });
  return r.exitCode === 0 && /State:\s+(RUNNING|STARTING|STOPPING)/.test(r.stdout);
}

/** Parses a property string already stored in a config (it was checked when written). */
function prop(format: Parameters<typeof parsePropertyString>[0], text: string, key: string): Record<string, string> {
  const r = parsePropertyString(format, text, key);
  if (!r.ok) throw die(`${key}: ${Object.values(r.errors).join("; ")}`);
  return r.value;
}

/** Real path of the CT's root volume. */
export function rootfsDir(w: World, conf: Conf): string {
  const vol = parseVolume(w, prop(ROOTFS_FORMAT, conf.rootfs ?? "", "rootfs").volume ?? "");
  if (!vol) throw die("pct-sim: rootfs is not a storage volume");
  return w.at(vol.path);
}

/** Bind mounts of the config (mpN with an absolute host path). */
export function bindMounts(conf: Conf): Mount[] {
  return Object.keys(conf)
    .filter((k) => /^mp\d+$/.test(k))
    .map((k) => prop(MP_FORMAT, conf[k] as string, k))
    .map((m) => ({ host: m.volume as string, path: m.mp as string, readOnly: m.ro === "1" }));
}

/** The config as the node record kiln's config writers take (one network interface, net0). */
export function nodeOf(vmid: string, conf: Conf): NodeInventory {
  const net = conf.net0 ? prop(NET_FORMAT, conf.net0, "net0") : undefined;
  const v6 = net?.ip6 && net.ip6 !== "auto" && net.ip6 !== "manual" ? net.ip6 : undefined;
  return {
    name: `CT${vmid}`,
    host: "sim",
    slots: [Number(vmid), Number(vmid)],
    hostname: conf.hostname ?? `CT${vmid}`,
    cores: Number(conf.cores ?? 0) || 8192,
    memory: Number(conf.memory ?? 512),
    disk: 0,
    network: { bridge: net?.bridge ?? "", ip: net?.ip ?? v6 ?? "manual", gateway: net?.gw ?? net?.gw6, mac: net?.hwaddr ?? "" },
    mounts: bindMounts(conf),
  };
}

/** Network, hostname and hosts inside the rootfs (PVE does this at create and before every start). */
export async function setupInside(w: World, vmid: string, conf: Conf): Promise<void> {
  const node = nodeOf(vmid, conf);
  if (node.network.ip === "manual") return;
  await writeRootFiles(local, await rootfsWrites(local, rootfsDir(w, conf), node));
}

/** Writes <lxcpath>/<vmid>/config from the pct config. */
export async function writeLxcConfig(w: World, vmid: string, conf: Conf): Promise<void> {
  const text = simLxcConfig(vmid, conf, rootfsDir(w, conf));
  await run(["mkdir", "-p", `${w.lxcpath}/${vmid}`]);
  await writeRootFile(local, { root: `${w.lxcpath}/${vmid}`, path: "config", mode: "0644", content: text });
}

/** Checks what a start needs that LXC would otherwise fail on less clearly. */
export function preStartChecks(conf: Conf): void {
  for (const m of bindMounts(conf)) if (!existsSync(m.host)) throw die(`directory '${m.host}' does not exist`);
  const bridge = nodeOf("0", conf).network.bridge;
  if (bridge && !existsSync(`/sys/class/net/${bridge}/bridge`)) throw die(`bridge '${bridge}' does not exist`);
}
