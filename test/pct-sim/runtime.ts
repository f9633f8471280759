// The simulated node's containers on real LXC: a pct config becomes an LXC config written by the
// simulator's own writer (lxc-conf.ts, PVE::LXC::update_lxc_config's job), the rootfs is set up as
// PVE's Debian setup does, and the LXC tools run with the sim's LXC path.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import type { Conf } from "./conf.js";
import { type Net0, setupNetwork } from "./debian-setup.js";
import { run } from "./proc.js";
import { simLxcConfig } from "./lxc-conf.js";
import { parsePropertyString } from "./property-string.js";
import { die } from "./pve-error.js";
import { MP_FORMAT, NET_FORMAT, ROOTFS_FORMAT } from "./schema.js";
import { parseVolume, type World } from "./world.js";

/** A bind mount of the config: host directory, path in the CT. */
export interface BindMount {
  readonly host: string;
  readonly path: string;
  readonly readOnly: boolean;
}

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
export function bindMounts(conf: Conf): BindMount[] {
  return Object.entries(conf)
    .filter(([k]) => /^mp\d+$/.test(k))
    .map(([k, v]) => prop(MP_FORMAT, v, k))
    .map((m) => ({ host: m.volume ?? "", path: m.mp ?? "", readOnly: m.ro === "1" }));
}

/** The CT's net0 fields, if it has one. */
export function net0(conf: Conf): (Net0 & { readonly bridge?: string }) | undefined {
  return conf.net0 ? prop(NET_FORMAT, conf.net0, "net0") : undefined;
}

/** Network, hostname and hosts inside the rootfs (PVE does this at create and before every start). */
export async function setupInside(w: World, vmid: string, conf: Conf): Promise<void> {
  await setupNetwork(rootfsDir(w, conf), conf.hostname ?? `CT${vmid}`, net0(conf));
}

/** Writes <lxcpath>/<vmid>/config from the pct config. */
export async function writeLxcConfig(w: World, vmid: string, conf: Conf): Promise<void> {
  const text = simLxcConfig(vmid, conf, rootfsDir(w, conf));
  await mkdir(`${w.lxcpath}/${vmid}`, { recursive: true });
  await writeFile(`${w.lxcpath}/${vmid}/config`, text, { mode: 0o644 });
}

/** Checks what a start needs that LXC would otherwise fail on less clearly. */
export function preStartChecks(conf: Conf): void {
  for (const m of bindMounts(conf)) if (!existsSync(m.host)) throw die(`directory '${m.host}' does not exist`);
  const bridge = net0(conf)?.bridge;
  if (bridge && !existsSync(`/sys/class/net/${bridge}/bridge`)) throw die(`bridge '${bridge}' does not exist`);
}
