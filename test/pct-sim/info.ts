// pct list | config | set | unlock (pct(1); output as PVE::CLI::pct prints it: list as a fixed-width table,
// config as sorted "key: value" lines with the description encoded).
import { checkLock, encodeText, listVmids, loadConf, writeConf } from "./conf.js";
import type { Io } from "./io.js";
import { parseParams, refuseUnsimulated, type Command } from "./params.js";
import { printPropertyString } from "./property-string.js";
import { die } from "./pve-error.js";
import { isRunning } from "./runtime.js";
import { FEATURES_FORMAT, MP_FORMAT, NET_FORMAT, SET_OPTIONS } from "./schema.js";
import type { World } from "./world.js";

export const LIST: Command = { prefix: "pct list", args: [], options: {} };
export const CONFIG: Command = { prefix: "pct config", args: ["vmid"], options: { current: { type: "boolean" }, snapshot: { type: "string" } } };
export const SET: Command = { prefix: "pct set", args: ["vmid"], options: SET_OPTIONS };
export const UNLOCK: Command = { prefix: "pct unlock", args: ["vmid"], options: {} };

/** pct unlock <vmid>: removes whatever lock the CT holds (PVE::LXC::Config->remove_lock without a lock name). */
export async function unlock(w: World, argv: readonly string[]): Promise<void> {
  const vmid = parseParams(UNLOCK, argv).values.vmid as string;
  const { lock: _lock, ...rest } = loadConf(w, vmid);
  await writeConf(w, vmid, rest);
}

/** pct list: VMID, Status, Lock, Name (nothing at all when there are no CTs). */
export async function list(w: World, argv: readonly string[], io: Io): Promise<void> {
  parseParams(LIST, argv);
  const ids = listVmids(w);
  if (!ids.length) return;
  const row = (a: string, b: string, c: string, d: string) => `${a.padEnd(10)} ${b.padEnd(10)} ${c.padEnd(12)} ${d.padEnd(20)}\n`;
  io.out(row("VMID", "Status", "Lock", "Name"));
  for (const id of ids) {
    const conf = loadConf(w, id);
    io.out(row(id, (await isRunning(w, id)) ? "running" : "stopped", conf.lock ?? "", conf.hostname ?? `CT${id}`));
  }
}

/** pct config <vmid>: sorted "key: value", description encoded like in the file. */
export async function config(w: World, argv: readonly string[], io: Io): Promise<void> {
  const p = parseParams(CONFIG, argv);
  refuseUnsimulated(CONFIG, p);
  const conf = loadConf(w, p.values.vmid as string);
  for (const k of Object.keys(conf).sort()) io.out(`${k}: ${k === "description" ? encodeText(conf[k] as string) : conf[k]}\n`);
}

/** pct set <vmid> [OPTIONS]: changes config keys (and --delete removes them); refused while locked. */
export async function set(w: World, argv: readonly string[]): Promise<void> {
  const p = parseParams(SET, argv);
  refuseUnsimulated(SET, p);
  const vmid = p.values.vmid as string;
  const conf = loadConf(w, vmid);
  checkLock(conf);
  if (await isRunning(w, vmid)) {
    for (const k of Object.keys(p.values)) if (/^(net|mp)\d+$|^rootfs$/.test(k)) throw die(`pct-sim: changing ${k} of a running CT (hotplug) is not simulated`);
  }
  for (const [k, v] of Object.entries(p.values)) {
    if (k === "vmid" || k === "delete") continue;
    if (/^net\d+$/.test(k)) conf[k] = printPropertyString(NET_FORMAT, { type: "veth", ...p.parsed[k] });
    else if (/^mp\d+$/.test(k)) conf[k] = printPropertyString(MP_FORMAT, p.parsed[k] ?? {});
    else if (k === "features") conf[k] = printPropertyString(FEATURES_FORMAT, p.parsed[k] ?? {});
    else conf[k] = v;
  }
  for (const k of (p.values.delete ?? "").split(/[,;\s]+/).filter(Boolean)) delete conf[k];
  await writeConf(w, vmid, conf);
}
