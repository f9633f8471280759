// pct start | stop | shutdown | destroy | status (pct(1); behaviour from PVE::API2::LXC::Status and
// PVE::API2::LXC::destroy_vm): the same refusals and messages, on real LXC.
import { rm } from "node:fs/promises";
import { run } from "./proc.js";
import { checkLock, loadConf, removeConf, type Conf } from "./conf.js";
import type { Io } from "./io.js";
import { parseParams, refuseUnsimulated, type Command } from "./params.js";
import { die } from "./pve-error.js";
import { isRunning, preStartChecks, rootfsDir, setupInside, writeLxcConfig } from "./runtime.js";
import { numeric } from "./formats.js";
import type { Prop } from "./schema.js";
import type { World } from "./world.js";

const bool = (simulated = true): Prop => ({ type: "boolean", simulated });
const vmidOnly = (prefix: string, options: Record<string, Prop> = {}): Command => ({ prefix, args: ["vmid"], options });

export const START = vmidOnly("pct start", { debug: bool(false), skiplock: bool() });
export const STOP = vmidOnly("pct stop", { "overrule-shutdown": bool(false), skiplock: bool() });
export const SHUTDOWN = vmidOnly("pct shutdown", { forceStop: bool(), timeout: { type: "integer", check: numeric("integer", 0), simulated: true } });
export const DESTROY = vmidOnly("pct destroy", { "destroy-unreferenced-disks": bool(false), force: bool(), purge: bool() });
export const STATUS = vmidOnly("pct status", { verbose: bool(false) });

/** Starts a CT: pre-start checks and setup, LXC config, lxc-start (PVE::LXC::vm_start). */
export async function startCt(w: World, vmid: string, conf: Conf, skiplock = false): Promise<void> {
  if (await isRunning(w, vmid)) throw die(`CT ${vmid} already running`);
  if (!skiplock) checkLock(conf);
  preStartChecks(conf);
  await setupInside(w, vmid, conf);
  await writeLxcConfig(w, vmid, conf);
  const r = await run(["lxc-start", "-n", vmid, "-P", w.lxcpath], { allowFailure: true, timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw die(`${r.stderr.trim()}\nstartup for container '${vmid}' failed`);
}

/** pct start <vmid> */
export async function start(w: World, argv: readonly string[]): Promise<void> {
  const p = parseParams(START, argv);
  refuseUnsimulated(START, p);
  const vmid = p.values.vmid as string;
  await startCt(w, vmid, loadConf(w, vmid), p.values.skiplock === "1");
}

/** pct stop <vmid>: abrupt stop of every process (lxc-stop --kill). */
export async function stop(w: World, argv: readonly string[]): Promise<void> {
  const p = parseParams(STOP, argv);
  refuseUnsimulated(STOP, p);
  const vmid = p.values.vmid as string;
  const conf = loadConf(w, vmid);
  if (p.values.skiplock !== "1") checkLock(conf);
  if (!(await isRunning(w, vmid))) throw die(`CT ${vmid} not running`);
  await run(["lxc-stop", "-n", vmid, "-P", w.lxcpath, "--kill"]);
}

/** pct shutdown <vmid> [--timeout N] [--forceStop 1]: clean shutdown, killed after the timeout only with forceStop. */
export async function shutdown(w: World, argv: readonly string[]): Promise<void> {
  const p = parseParams(SHUTDOWN, argv);
  refuseUnsimulated(SHUTDOWN, p);
  const vmid = p.values.vmid as string;
  checkLock(loadConf(w, vmid));
  if (!(await isRunning(w, vmid))) throw die(`CT ${vmid} not running`);
  const timeout = p.values.timeout ?? "60";
  const r = await run(["lxc-stop", "-n", vmid, "-P", w.lxcpath, "--nokill", "--timeout", timeout], {
    allowFailure: true,
    timeoutMs: (Number(timeout) + 30) * 1000,
  });
  if (r.exitCode === 0 || !(await isRunning(w, vmid))) return;
  if (p.values.forceStop !== "1") throw die("container did not stop");
  await run(["lxc-stop", "-n", vmid, "-P", w.lxcpath, "--kill"]);
}

/** pct destroy <vmid>: refuses a running CT without --force; removes volumes (not bind mounts), LXC dir, config. */
export async function destroy(w: World, argv: readonly string[]): Promise<void> {
  const p = parseParams(DESTROY, argv);
  refuseUnsimulated(DESTROY, p);
  const vmid = p.values.vmid as string;
  const conf = loadConf(w, vmid);
  checkLock(conf);
  if (await isRunning(w, vmid)) {
    if (p.values.force !== "1") throw die(`unable to destroy CT ${vmid} - container is running`);
    await run(["lxc-stop", "-n", vmid, "-P", w.lxcpath, "--kill"]);
  }
  await rm(rootfsDir(w, conf), { recursive: true, force: true });
  await rm(`${w.lxcpath}/${vmid}`, { recursive: true, force: true });
  removeConf(w, vmid);
}

/** pct status <vmid> → "status: running|stopped". */
export async function status(w: World, argv: readonly string[], io: Io): Promise<void> {
  const p = parseParams(STATUS, argv);
  refuseUnsimulated(STATUS, p);
  const vmid = p.values.vmid as string;
  loadConf(w, vmid);
  io.out(`status: ${(await isRunning(w, vmid)) ? "running" : "stopped"}\n`);
}
