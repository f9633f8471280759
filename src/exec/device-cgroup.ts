// A devices cgroup for the bootstrap: mmdebstrap keeps CAP_SYS_ADMIN and CAP_MKNOD (its root mode mounts
// /proc, /sys and /dev in the target and creates the image's /dev nodes), so a maintainer script could
// mount devtmpfs or mknod the host's disk and read it. In this cgroup only the harmless character devices
// may be created or opened; every block device is refused. The sandbox script moves itself in and then
// enters a new cgroup namespace, so nothing inside can mount the hierarchy and move back out.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { debug, warn } from "../log.js";
import { ownerAlive, ownerToken } from "../util/process.js";
import { ownerInName } from "../util/sweep.js";

/** The cgroup v1 devices hierarchy (cgroup v2 has no devices files: it needs a BPF program instead). */
export const DEVICES_HIERARCHY = "/sys/fs/cgroup/devices";

/** What the step may create (m), read and write: null, zero, full, random, urandom, tty, console, ptmx, pts. */
export const ALLOWED_DEVICES: readonly string[] = [
  "c 1:3 rwm",
  "c 1:5 rwm",
  "c 1:7 rwm",
  "c 1:8 rwm",
  "c 1:9 rwm",
  "c 5:0 rwm",
  "c 5:1 rwm",
  "c 5:2 rwm",
  "c 136:* rwm",
];

const PREFIX = "kiln-dev-";

let warned = false;

/** True when this host has a writable cgroup v1 devices hierarchy. */
export function deviceCgroupsAvailable(hierarchy = DEVICES_HIERARCHY): boolean {
  return existsSync(join(hierarchy, "devices.deny"));
}

/**
 * Runs `fn` with a fresh devices cgroup that allows only ALLOWED_DEVICES (its path; undefined, with one
 * warning, where the host has no cgroup v1 devices hierarchy). The cgroup is removed afterwards; one left
 * by a killed kiln is removed by the next sweepDeviceCgroups().
 */
export async function withDeviceCgroup<T>(fn: (cgroup: string | undefined) => Promise<T>, hierarchy = DEVICES_HIERARCHY): Promise<T> {
  await sweepDeviceCgroups(hierarchy);
  if (!deviceCgroupsAvailable(hierarchy)) {
    if (!warned) warn("no cgroup v1 devices hierarchy here: the bootstrap's device nodes are not fenced (see README, How a bake works)");
    warned = true;
    return fn(undefined);
  }
  const dir = join(hierarchy, `${PREFIX}${ownerToken()}-${randomBytes(4).toString("hex").slice(0, 6)}`);
  await mkdir(dir);
  try {
    await writeFile(join(dir, "devices.deny"), "a");
    for (const rule of ALLOWED_DEVICES) await writeFile(join(dir, "devices.allow"), rule);
    return await fn(dir);
  } finally {
    await removeCgroup(dir);
  }
}

/** Removes a cgroup once its last process has gone (a process of a killed PID namespace may take a moment). */
async function removeCgroup(dir: string): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await rmdir(dir);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return true;
      if (code !== "EBUSY") break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  debug(`devices cgroup ${dir} still busy; the next bake removes it`);
  return false;
}

/** Removes the devices cgroups of kiln runs that are gone (killed before their finally ran). */
export async function sweepDeviceCgroups(hierarchy = DEVICES_HIERARCHY): Promise<readonly string[]> {
  const names = await readdir(hierarchy).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const owner = ownerInName(name);
    if (owner && ownerAlive(owner)) continue;
    if (await removeCgroup(join(hierarchy, name))) removed.push(name);
  }
  return removed;
}
