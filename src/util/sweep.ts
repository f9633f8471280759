// Sweeping the temp entries a killed kiln left behind (a bake's rootfs, an apt fetch, a store writer's
// pack). Each entry's name carries its owner (pid and start time, see util/process.ts); an entry is
// removed only when that owner is gone, never while it runs, and never through a mount point.
import { chmod, lstat, readdir, readFile, realpath, rm } from "node:fs/promises";
import { join } from "node:path";
import { warn } from "../log.js";
import { ownerAlive, type Owner } from "./process.js";
import { errnoCode } from "./thrown.js";

/** What a sweeper makes of an entry name: its owner, or "stale"/"keep" for names without one. */
export type Ownership = Owner | "stale" | "keep";

/** The owner in a name ending `<pid>.<start>-<6 random>` (what tempName() makes); undefined otherwise. */
export function ownerInName(name: string): Owner | undefined {
  const m = /(?:^|-)(\d+)\.(\d+)-[A-Za-z0-9]{6}$/.exec(name);
  return m?.[1] && m[2] ? { pid: Number(m[1]), start: m[2] } : undefined;
}

/** Mount points under /proc/self/mountinfo (field 5, with its octal escapes undone). */
export async function mountPoints(): Promise<readonly string[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  return text
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((p): p is string => p !== undefined && p !== "")
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** Gives the owner rwx on every directory below `dir` (a tree with 0555 dirs cannot be emptied otherwise). */
async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  const names = await readdir(dir).catch((): string[] => []);
  for (const n of names) {
    const p = join(dir, n);
    if ((await lstat(p).catch(() => undefined))?.isDirectory()) await openUp(p);
  }
}

/** Removes a tree; retries once with its directories opened up; warns (never throws) when it cannot. */
async function removeTree(path: string): Promise<boolean> {
  try {
    await rm(path, { recursive: true, force: true });
    return true;
  } catch {
    await openUp(path);
  }
  try {
    await rm(path, { recursive: true, force: true });
    return true;
  } catch (e) {
    warn(`cannot remove the leftover ${path} of a killed kiln run (${errnoCode(e) ?? String(e)}): remove it as root`);
    return false;
  }
}

/** True when the entry is stale: its owner is gone (or the name says so). */
async function isStale(path: string, kind: Ownership, o: { readonly unownedAfterMs?: number }): Promise<boolean> {
  if (kind === "stale") return true;
  if (kind !== "keep") return !ownerAlive(kind);
  if (o.unownedAfterMs === undefined) return false;
  const st = await lstat(path).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > o.unownedAfterMs;
}

/**
 * Removes the entries of `dir` whose owner is gone (only lists them with dryRun); returns their paths.
 * `classify` reads a name; names it calls "keep" go after `unownedAfterMs` (old kilns' names had no pid).
 * An entry with a mount under it is skipped with a warning: removing through a mount would reach outside.
 */
export async function sweepTemps(
  dir: string,
  o: { readonly classify: (name: string) => Ownership; readonly unownedAfterMs?: number; readonly dryRun?: boolean },
): Promise<readonly string[]> {
  // Real path: mountinfo names mount points by theirs.
  const root = await realpath(dir).catch(() => undefined);
  if (root === undefined) return [];
  const names = (await readdir(root)).sort();
  const mounts = names.length ? await mountPoints() : [];
  const removed: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (!(await isStale(path, o.classify(name), o))) continue;
    const real = join(root, name);
    const mounted = mounts.find((m) => m === real || m.startsWith(`${real}/`));
    if (mounted) {
      warn(`not removing the leftover ${path}: ${mounted} is mounted under it (umount it, then run kiln gc)`);
      continue;
    }
    if (o.dryRun || (await removeTree(path))) removed.push(path);
  }
  return removed;
}
