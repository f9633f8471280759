// Work-in-progress directories: a writer packs into <store>/tmp/<pid>-<random>/ (same file system as
// images/, so the final rename is atomic). A writer that is killed leaves only such a directory; the next
// writer or gc removes it once its owner pid is gone. (Pids are per host: a store shared between hosts
// over NFS would need the hostname in the name too; kiln stores are local.)
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { listDir, tmpDir } from "./layout.js";

/** Creates a fresh temp dir for this process inside the store. */
export async function newTempDir(store: string): Promise<string> {
  await mkdir(tmpDir(store), { recursive: true });
  return mkdtemp(join(tmpDir(store), `${process.pid}-`));
}

/** True if a process with this pid exists (EPERM means it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when a temp dir's owner (the pid its name starts with) is gone, or the name is not one of ours. */
export function isStaleTemp(name: string): boolean {
  const m = /^(\d+)-/.exec(name);
  if (!m?.[1]) return true;
  const pid = Number(m[1]);
  return pid !== process.pid && !pidAlive(pid);
}

/** Removes temp dirs whose writer is gone; returns their paths (only lists them with dryRun). */
export async function cleanStaleTemps(store: string, opts: { readonly dryRun?: boolean } = {}): Promise<readonly string[]> {
  const names = await listDir(tmpDir(store));
  const stale = names.filter(isStaleTemp).map((n) => join(tmpDir(store), n));
  if (!opts.dryRun) for (const p of stale) await rm(p, { recursive: true, force: true });
  return stale;
}
