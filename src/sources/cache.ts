// The content-addressed fetch cache shared by every source (apt, wheels, git, svn).
// Layout: `<cache>/<kind>/<sha256>.<ext>` (wheels keep their file name: `<cache>/wheels/<sha256>/<file>`).
// Files enter through a temporary file in the destination directory, are hashed as stored and renamed
// into place, so a reader never sees a half-written or unverified entry.
import { copyFile, chmod, mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UserError, type Problem } from "../errors.js";
import { fsyncPath, tempDirIn } from "../util/fs.js";
import { ownerToken } from "../util/process.js";
import { ownerInName, sweepTemps } from "../util/sweep.js";
import { isSha256Hex, sha256File } from "../util/hash.js";
import { errnoCode } from "../util/thrown.js";

/** Where one content-addressed entry lives. */
export interface CacheKey {
  /** Root of the cache (Config.cache). */
  readonly cache: string;
  /** Sub-directory per kind of artifact, e.g. "debs", "checkouts". */
  readonly kind: string;
  /** sha256 hex of the entry's bytes. */
  readonly sha256: string;
  /** File extension without the dot, e.g. "deb", "tar". */
  readonly ext: string;
}

/** The path of an entry: `<cache>/<kind>/<sha256>.<ext>`. */
export function cachePath(k: CacheKey): string {
  if (!isSha256Hex(k.sha256)) throw new TypeError(`cachePath: not a sha256 hex digest: ${k.sha256}`);
  return join(k.cache, k.kind, `${k.sha256}.${k.ext}`);
}

/** True when the entry exists (without hashing it; use verifyFile before trusting the bytes). */
export async function has(k: CacheKey): Promise<boolean> {
  return isFile(cachePath(k));
}

/** True when `path` is an existing regular file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Hashes a file and says whether it matches; `actual` is undefined when the file is missing. */
export async function verifyFile(path: string, sha256: string): Promise<{ readonly ok: boolean; readonly actual?: string }> {
  if (!(await isFile(path))) return { ok: false };
  const actual = await sha256File(path);
  return { ok: actual === sha256, actual };
}

/**
 * Checks one cached artifact for an offline reader (bake): undefined when present and intact, else the
 * Problem to report, so the caller can collect every missing artifact before failing.
 */
export async function checkCached(o: { readonly path: string; readonly sha256: string; readonly what: string }): Promise<Problem | undefined> {
  const v = await verifyFile(o.path, o.sha256);
  if (v.ok) return undefined;
  if (v.actual === undefined) return { message: `${o.what}: missing from the cache (${o.path}); run kiln fetch` };
  return { message: `${o.what}: cache entry is corrupt (expected sha256 ${o.sha256}, got ${v.actual}); delete ${o.path} and run kiln fetch` };
}

/** Like checkCached, but throws the UserError itself (for a single artifact). */
export async function requireCached(o: { readonly path: string; readonly sha256: string; readonly what: string }): Promise<void> {
  const p = await checkCached(o);
  if (p) throw new UserError(p);
}

export interface StoreOptions {
  /** The file to take in. */
  readonly src: string;
  /** Final path inside the cache. */
  readonly dest: string;
  /** Expected sha256; when given, a mismatch is an error and an intact existing dest is kept untouched. */
  readonly sha256?: string;
  /** Rename `src` instead of copying it (it must be on the same file system as dest; falls back to copy). */
  readonly move?: boolean;
  /** Names the artifact in a hash-mismatch message, e.g. "pinned.txt:4: katcp==0.9.3". */
  readonly what?: string;
}

export interface StoreResult {
  readonly path: string;
  readonly sha256: string;
  /** False when an intact copy was already there (nothing rewritten). */
  readonly added: boolean;
}

/** Takes a file into the cache at `dest` via temp + fsync + rename, verifying its sha256 as stored. */
export async function storeFile(o: StoreOptions): Promise<StoreResult> {
  // Re-running fetch with nothing changed must rewrite nothing: an intact entry is left alone.
  if (o.sha256 && (await verifyFile(o.dest, o.sha256)).ok) {
    if (o.move) await rm(o.src, { force: true });
    return { path: o.dest, sha256: o.sha256, added: false };
  }
  await mkdir(dirname(o.dest), { recursive: true });
  const tmp = join(dirname(o.dest), `.${basename(o.dest)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await takeFile(o.src, tmp, o.move === true);
    // Hash the bytes as they sit in the cache, not the source: that is what a later reader gets.
    const actual = await sha256File(tmp);
    if (o.sha256 && actual !== o.sha256) {
      throw new UserError(`${o.what ? `${o.what}: ` : ""}hash mismatch (expected ${o.sha256}, got ${actual})`);
    }
    if (!o.sha256 && (await verifyFile(o.dest, actual)).ok) {
      await rm(tmp, { force: true });
      return { path: o.dest, sha256: actual, added: false };
    }
    await chmod(tmp, 0o644);
    await rename(tmp, o.dest);
    await fsyncPath(dirname(o.dest));
    return { path: o.dest, sha256: actual, added: true };
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Moves (or copies) src to tmp and fsyncs it. */
async function takeFile(src: string, tmp: string, move: boolean): Promise<void> {
  let moved = false;
  if (move) {
    try {
      await rename(src, tmp);
      moved = true;
    } catch (e) {
      // EXDEV: another file system; copy instead.
      if (errnoCode(e) !== "EXDEV") throw e;
    }
  }
  if (!moved) await copyFile(src, tmp);
  await fsyncPath(tmp);
  if (move && !moved) await rm(src, { force: true });
}

/** Takes a file in as `<cache>/<kind>/<sha256>.<ext>`; the sha256 is computed when not given. */
export async function addFile(o: {
  readonly cache: string;
  readonly kind: string;
  readonly ext: string;
  readonly src: string;
  readonly sha256?: string;
  readonly move?: boolean;
  readonly what?: string;
}): Promise<StoreResult> {
  const sha256 = o.sha256 ?? (await sha256File(o.src));
  const dest = cachePath({ cache: o.cache, kind: o.kind, sha256, ext: o.ext });
  return storeFile({ src: o.src, dest, sha256, move: o.move, what: o.what });
}

/**
 * A private scratch directory inside the cache (same file system, so finished files rename into place),
 * named `.<prefix>-<pid>.<start>-<random>` so a later sweep knows whether its owner still runs.
 */
export async function cacheTemp(cache: string, prefix: string): Promise<string> {
  return tempDirIn(join(cache, "tmp"), `${prefix}-${ownerToken()}`);
}

/** Entries without an owner in their name (made by kilns before names carried one) go after a day. */
const UNOWNED_AFTER_MS = 24 * 3600_000;

/** Removes the scratch dirs of killed bakes and fetches (owner gone); returns their paths. */
export function sweepCacheTemps(cache: string, o: { readonly dryRun?: boolean } = {}): Promise<readonly string[]> {
  return sweepTemps(join(cache, "tmp"), { classify: (name) => ownerInName(name) ?? "keep", unownedAfterMs: UNOWNED_AFTER_MS, dryRun: o.dryRun });
}
