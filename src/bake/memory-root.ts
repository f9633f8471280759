// Where a bake builds its rootfs: in memory (the host's /dev/shm tmpfs) when it has room, else in the
// bake's work dir in the cache. A bake creates, rewrites and deletes every file of the tree; on this
// machine's disk (ext4 on a virtual disk) creating cam-node's 13.4k files costs 4-6 s of system time and
// varies with other writers (a layer restore took 0.9-7 s), on tmpfs 0.4 s. Nothing else moves: the
// store, the layer cache and the work dir (apt repository, wheelhouse: hard links into the cache) stay.
//
// The directory is made by mkdtemp (mode 0700, a name nobody can have made first) and carries its
// owner, so the next bake or `kiln gc` sweeps it when a bake is killed; no mount is made, so a kill
// leaves none. KILN_BAKE_IN_MEMORY=0 keeps the rootfs on disk.
import { mkdtemp, readFile, statfs } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../exec/run.js";
import { debug, warn } from "../log.js";
import { ownerToken } from "../util/process.js";
import { messageOf } from "../util/thrown.js";
import { ownerInName, sweepTemps } from "../util/sweep.js";

const SHM = "/dev/shm";
const PREFIX = "kiln-rootfs-";
const TMPFS_MAGIC = 0x01021994;
/** Free space /dev/shm must have: a Toy-KAT tree is under 1.5 GB; the rest is for everyone else. */
const MIN_FREE_BYTES = 4 * 1024 ** 3;

/** True when /dev/shm is a tmpfs with room, mounted without noexec (the image's programs run from it). */
async function shmUsable(): Promise<boolean> {
  if (process.env.KILN_BAKE_IN_MEMORY === "0") return false;
  const st = await statfs(SHM).catch(() => undefined);
  if (!st || st.type !== TMPFS_MAGIC || st.bavail * st.bsize < MIN_FREE_BYTES) return false;
  const info = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  // The last mount on /dev/shm is the one in effect.
  const line = info
    .split("\n")
    .filter((l) => l.split(" ")[4] === SHM)
    .pop();
  return line !== undefined && !(line.split(" ")[5] ?? "").split(",").includes("noexec");
}

/**
 * The directory the bake's rootfs goes in (the rootfs itself is `<dir>/rootfs`, made by the bake), and
 * whether it is a memory one the bake must remove besides its work dir.
 */
export async function rootParent(work: string): Promise<{ readonly dir: string; readonly inMemory: boolean }> {
  if (!(await shmUsable())) return { dir: work, inMemory: false };
  const dir = await mkdtemp(join(SHM, `${PREFIX}${ownerToken()}-`));
  debug(`bake: the rootfs is built in memory, in ${dir}`);
  return { dir, inMemory: true };
}

/** Removes a bake's memory rootfs dir: GNU rm takes 0.13 s for cam-node's tree where fs.rm takes 0.6 s. */
export async function removeMemoryRoot(dir: string): Promise<void> {
  await run(["rm", "-rf", "--one-file-system", "--", dir]).catch((e: unknown) =>
    warn(`could not remove ${dir} (${messageOf(e).split("\n")[0]}); the next bake or kiln gc sweeps it`),
  );
}

/** Removes the memory rootfs dirs of killed bakes (owner gone); returns their paths. */
export function sweepMemoryRoots(o: { readonly dryRun?: boolean } = {}): Promise<readonly string[]> {
  return sweepTemps(SHM, { classify: (name) => (name.startsWith(PREFIX) ? (ownerInName(name) ?? "keep") : "keep"), dryRun: o.dryRun });
}
