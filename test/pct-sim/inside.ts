// pct exec | push | mount | unmount (pct(1); behaviour from PVE::CLI::pct): exec and push need a running
// CT ("container '<vmid>' not running!", "can only push files to a running CT"); mount holds the
// "mounted" lock and prints where the root filesystem is (under the sim root, where it really is).
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { run, spawnPiped } from "./proc.js";
import { versionAtLeast } from "./version.js";
import { checkLock, loadConf, writeConf } from "./conf.js";
import type { Io } from "./io.js";
import { parseParams, refuseUnsimulated, type Command } from "./params.js";
import { DIE, die } from "./pve-error.js";
import { isRunning, rootfsDir } from "./runtime.js";
import type { World } from "./world.js";

export const EXEC: Command = { prefix: "pct exec", args: ["vmid", "extra-args"], options: { "keep-env": { type: "boolean", simulated: true } } };
/** pct exec before pve-container 5.0.9, which added --keep-env (its lxc-attach kept the environment). */
const EXEC_OLD: Command = { ...EXEC, options: {} };
export const PUSH: Command = {
  prefix: "pct push",
  args: ["vmid", "file", "destination"],
  options: { group: { type: "string", simulated: true }, perms: { type: "string", simulated: true }, user: { type: "string", simulated: true } },
};
export const MOUNT: Command = { prefix: "pct mount", args: ["vmid"], options: {} };
export const UNMOUNT: Command = { prefix: "pct unmount", args: ["vmid"], options: {} };

/** pct exec <vmid> [--keep-env 0|1] -- <command…>: lxc-attach; returns the command's exit code. */
export async function exec(w: World, argv: readonly string[], io: Io): Promise<number> {
  const cmd = versionAtLeast(w.versions.get("pve-container") ?? "0", "5.0.9") ? EXEC : EXEC_OLD;
  const p = parseParams(cmd, argv);
  refuseUnsimulated(cmd, p);
  const vmid = p.values.vmid as string;
  loadConf(w, vmid);
  if (!(await isRunning(w, vmid))) throw die(`container '${vmid}' not running!`);
  if (p.extra.length === 0) throw die("missing command");
  // pct's default is still to keep the environment (its FIXME: "switch to default 0 with pve 9").
  const env = p.values["keep-env"] === "0" ? "--clear-env" : "--keep-env";
  // pct exec replaces itself with lxc-attach: the command's output streams through, its exit code is pct's.
  const child = spawnPiped(["lxc-attach", "-n", vmid, "-P", w.lxcpath, env, "--", ...p.extra]);
  child.stdin?.end();
  child.stdout?.on("data", (b: Buffer) => io.out(b.toString("utf8")));
  try {
    const r = await child;
    if (r.stderr) io.err(Buffer.from(r.stderr as unknown as Uint8Array).toString("utf8"));
    return 0;
  } catch (e) {
    const x = e as { exitCode?: number; stderr?: unknown };
    if (x.stderr instanceof Uint8Array) io.err(Buffer.from(x.stderr).toString("utf8"));
    return x.exitCode ?? DIE;
  }
}

/** pct push <vmid> <file> <destination> [--perms] [--user] [--group]: writes the file inside the running CT. */
export async function push(w: World, argv: readonly string[]): Promise<void> {
  const p = parseParams(PUSH, argv);
  refuseUnsimulated(PUSH, p);
  const vmid = p.values.vmid as string;
  loadConf(w, vmid);
  if (!(await isRunning(w, vmid))) throw die("can only push files to a running CT");
  const file = p.values.file as string;
  if (!existsSync(file)) throw die(`failed to open ${file} for reading`);
  const dest = p.values.destination as string;
  const perms = p.values.perms ? (/^0x/i.test(p.values.perms) ? parseInt(p.values.perms, 16) : parseInt(p.values.perms, 8)).toString(8) : "644";
  const owner = `${p.values.user ?? "0"}:${p.values.group ?? "0"}`;
  // Constant script inside the CT; the destination, mode and owner arrive as $1..$3.
  const script = 'set -e; cat > "$1.pct-push.$$"; chmod "$2" "$1.pct-push.$$"; chown "$3" "$1.pct-push.$$"; mv -f "$1.pct-push.$$" "$1"';
  await run(["lxc-attach", "-n", vmid, "-P", w.lxcpath, "--clear-env", "--", "sh", "-c", script, "sh", dest, perms, owner], { input: readFileSync(file) });
}

/** pct mount <vmid>: locks the CT ("mounted") and bind-mounts its root at <lxcpath>/<vmid>/rootfs. */
export async function mount(w: World, argv: readonly string[], io: Io): Promise<void> {
  const p = parseParams(MOUNT, argv);
  const vmid = p.values.vmid as string;
  const conf = loadConf(w, vmid);
  checkLock(conf);
  await writeConf(w, vmid, { ...conf, lock: "mounted" });
  const target = `${w.lxcpath}/${vmid}/rootfs`;
  await mkdir(target, { recursive: true });
  await run(["mount", "--bind", rootfsDir(w, conf), target]);
  io.out(`mounted CT ${vmid} in '${target}'\n`);
}

/** pct unmount <vmid>: unmounts the root and removes the "mounted" lock. */
export async function unmount(w: World, argv: readonly string[]): Promise<void> {
  const p = parseParams(UNMOUNT, argv);
  const vmid = p.values.vmid as string;
  const conf = loadConf(w, vmid);
  const target = `${w.lxcpath}/${vmid}/rootfs`;
  const mounted = (await run(["mountpoint", "-q", target], { allowFailure: true })).exitCode === 0;
  if (mounted) await run(["umount", target]);
  if (conf.lock === "mounted") {
    const { lock: _lock, ...rest } = conf;
    await writeConf(w, vmid, rest);
  }
}
