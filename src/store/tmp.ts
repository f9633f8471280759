// Work-in-progress directories: a writer packs into <store>/tmp/<pid>.<start>-<random>/ (same file
// system as images/, so the final rename is atomic). A writer that is killed leaves only such a
// directory; the next writer or gc removes it once its owner (pid and start time) is gone. (Pids are per
// host: a store shared between hosts over NFS would need the hostname in the name too; kiln stores are local.)
import { mkdir, mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { ownerToken } from "../util/process.js";
import { ownerInName, sweepTemps, type Ownership } from "../util/sweep.js";
import { tmpDir } from "./layout.js";

/** Creates a fresh temp dir for this process inside the store. */
export async function newTempDir(store: string): Promise<string> {
  await mkdir(tmpDir(store), { recursive: true });
  return mkdtemp(join(tmpDir(store), `${ownerToken()}-`));
}

/** Whose a store temp dir is: new names carry pid and start time, older ones the pid; others are stale. */
export function storeTempOwner(name: string): Ownership {
  const owner = ownerInName(name);
  if (owner) return owner;
  const legacy = /^(\d+)-[A-Za-z0-9]{6}$/.exec(name);
  return legacy?.[1] ? { pid: Number(legacy[1]) } : "stale";
}

/** Removes temp dirs whose writer is gone; returns their paths (only lists them with dryRun). */
export function cleanStaleTemps(store: string, opts: { readonly dryRun?: boolean } = {}): Promise<readonly string[]> {
  return sweepTemps(tmpDir(store), { classify: storeTempOwner, dryRun: opts.dryRun });
}
