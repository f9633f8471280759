// The layer cache on disk: `<cache>/layers/<key hex>/{rootfs.tar.zst,key.json}`, one entry per stage
// snapshot. A snapshot is GNU tar (xattrs such as security.capability, hard links, devices, numeric
// owners, modes, mtimes) compressed by zstd -1 on every core: measured on this 2-core machine for the
// 268 MB / 13.4k-file cam-node rootfs, it saves in 0.6 s CPU (vs 6 s of sys time for `cp -a`, which
// creates every file) and takes 99 MB (vs 268 MB); a restore creates the files, as any copy would.
// Entries are write-once: built in a temp dir of the cache (swept when its owner dies) and renamed into
// place, so a killed bake leaves no entry and two bakes writing the same key keep the first. A restore
// first checks the snapshot against the sha256 recorded in key.json (damage, not an attacker who can
// rewrite both: the cache is as trusted as the user who owns it). Eviction
// renames an entry away before deleting it, so a reader never sees half an entry.
import { lstat, mkdir, readdir, readFile, rename, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../../exec/run.js";
import { cacheTemp } from "../../sources/cache.js";
import { canonicalJson } from "../../util/canonical-json.js";
import { isSha256Hex, sha256File } from "../../util/hash.js";
import type { StageKey } from "./keys.js";

const SNAPSHOT = "rootfs.tar.zst";
const KEY_FILE = "key.json";

/** GNU tar flags that keep everything a rootfs holds (xattrs of every namespace, numeric owners). */
const TAR_KEEP = ["--xattrs", "--xattrs-include=*", "--numeric-owner", "--zstd"];
/** zstd as tar runs it (`--zstd`): level 1, a thread per core. Set through zstd's own variables, no shell string. */
const ZSTD_ENV = { ZSTD_CLEVEL: "1", ZSTD_NBTHREADS: "0" };

/** One entry as listed: its key hex, directory, bytes on disk and last use (ms). */
export interface LayerEntry {
  readonly hex: string;
  readonly dir: string;
  readonly bytes: number;
  readonly usedMs: number;
}

/** `<cache>/layers`. */
export function layersDir(cache: string): string {
  return join(cache, "layers");
}

/** The entry's directory when it is complete (snapshot and key present), else undefined. */
export async function findLayer(cache: string, hex: string): Promise<string | undefined> {
  const dir = join(layersDir(cache), hex);
  const [snap, key] = await Promise.all([lstat(join(dir, SNAPSHOT)).catch(() => undefined), lstat(join(dir, KEY_FILE)).catch(() => undefined)]);
  return snap?.isFile() && key?.isFile() ? dir : undefined;
}

/** What key.json holds: the stage, its hex and the key objects of it and every stage before it. */
export interface StoredKey {
  readonly stage: string;
  readonly hex: string;
  /** sha256 hex of rootfs.tar.zst, as written. */
  readonly snapshotSha256?: string;
  readonly chain: readonly Readonly<Record<string, unknown>>[];
  /** The key objects of the stages after it, in the bake that made the entry (--explain compares them too). */
  readonly later?: readonly Readonly<Record<string, unknown>>[];
}

/** Snapshots `root` as the entry for `k` (write aside, rename into place); false when it already existed. */
export async function saveLayer(o: {
  readonly cache: string;
  readonly root: string;
  readonly key: StageKey;
  readonly chain: readonly StageKey[];
  readonly later?: readonly StageKey[];
}): Promise<boolean> {
  if (await findLayer(o.cache, o.key.hex)) return false;
  const tmp = await cacheTemp(o.cache, "layer");
  try {
    await run(["tar", "-c", ...TAR_KEEP, "-f", join(tmp, SNAPSHOT), "-C", o.root, "."], { env: ZSTD_ENV });
    // The whole chain of key objects up to this stage and those of this bake's later stages (--explain
    // diffs them field by field), and the
    // snapshot's sha256, checked before every restore.
    const snapshotSha256 = await sha256File(join(tmp, SNAPSHOT));
    const stored: StoredKey = {
      stage: o.key.stage,
      hex: o.key.hex,
      snapshotSha256,
      chain: o.chain.map((k) => k.key),
      later: (o.later ?? []).map((k) => k.key),
    };
    await writeFile(join(tmp, KEY_FILE), canonicalJson(stored), { mode: 0o644 });
    await mkdir(layersDir(o.cache), { recursive: true });
    try {
      await rename(tmp, join(layersDir(o.cache), o.key.hex));
      return true;
    } catch (e) {
      // Another bake finished the same entry first: entries are write-once, keep theirs.
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") return false;
      throw e;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Extracts the entry into `root` (created; must be absent or empty) and marks the entry used. */
export async function restoreLayer(o: { readonly cache: string; readonly hex: string; readonly root: string }): Promise<void> {
  const dir = join(layersDir(o.cache), o.hex);
  // A damaged or altered snapshot is never extracted: its sha256 must be the one recorded when it was made.
  const recorded = (await readLayerKey(dir))?.snapshotSha256;
  const actual = await sha256File(join(dir, SNAPSHOT));
  if (recorded !== actual) throw new Error(`layer ${o.hex.slice(0, 12)}: ${SNAPSHOT} does not hash to the sha256 recorded in ${KEY_FILE} (damaged or altered)`);
  await touchLayer(dir);
  await mkdir(o.root, { recursive: true });
  // -p: modes exactly as stored (no umask); --same-owner is tar's default as root.
  await run(["tar", "-x", ...TAR_KEEP, "-p", "-f", join(dir, SNAPSHOT), "-C", o.root], { env: ZSTD_ENV });
}

/**
 * Records the later stages' keys of the bake that just resumed from an entry (what --explain compares the
 * next bake with). key.json is replaced whole (write aside, rename): a reader sees the old or the new one,
 * and the snapshot and its recorded sha256 never change.
 */
export async function recordLater(cache: string, hex: string, later: readonly StageKey[]): Promise<void> {
  const dir = join(layersDir(cache), hex);
  const k = await readLayerKey(dir);
  if (!k) return;
  // Written in the cache's temp area (swept if this bake is killed), never as a stray file in the entry.
  const tmp = await cacheTemp(cache, "layer-key");
  try {
    await writeFile(join(tmp, KEY_FILE), canonicalJson({ ...k, later: later.map((x) => x.key) }), { mode: 0o644 });
    await rename(join(tmp, KEY_FILE), join(dir, KEY_FILE));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Marks an entry as just used (its directory's mtime orders eviction). */
export async function touchLayer(dir: string): Promise<void> {
  const now = new Date();
  await utimes(dir, now, now).catch(() => undefined);
}

/** The key chain stored beside an entry (for --explain), or undefined when unreadable. */
export async function readLayerKey(dir: string): Promise<StoredKey | undefined> {
  try {
    const k = JSON.parse(await readFile(join(dir, KEY_FILE), "utf8")) as Partial<StoredKey>;
    return typeof k.stage === "string" && Array.isArray(k.chain) ? (k as StoredKey) : undefined;
  } catch {
    return undefined;
  }
}

/** Every complete entry, least recently used first. */
export async function listLayers(cache: string): Promise<LayerEntry[]> {
  const names = await readdir(layersDir(cache)).catch(() => [] as string[]);
  const out: LayerEntry[] = [];
  for (const hex of names.filter(isSha256Hex)) {
    const dir = join(layersDir(cache), hex);
    const [d, snap, key] = await Promise.all([lstat(dir), lstat(join(dir, SNAPSHOT)), lstat(join(dir, KEY_FILE))].map((p) => p.catch(() => undefined)));
    if (!d || !snap || !key) continue;
    out.push({ hex, dir, bytes: snap.size + key.size, usedMs: d.mtimeMs });
  }
  return out.sort((a, b) => a.usedMs - b.usedMs || a.hex.localeCompare(b.hex));
}

/** Removes least recently used entries until the cache holds at most `maxBytes`; returns what went. */
export async function trimLayers(cache: string, maxBytes: number, o: { readonly dryRun?: boolean } = {}): Promise<LayerEntry[]> {
  const entries = await listLayers(cache);
  let total = entries.reduce((s, e) => s + e.bytes, 0);
  const removed: LayerEntry[] = [];
  for (const e of entries) {
    if (total <= maxBytes) break;
    if (!o.dryRun) await removeLayer(cache, e);
    removed.push(e);
    total -= e.bytes;
  }
  return removed;
}

/** Renames the entry into a temp dir (a reader sees it whole or not at all), then deletes it. */
async function removeLayer(cache: string, e: LayerEntry): Promise<void> {
  const tmp = await cacheTemp(cache, "layer-evict");
  try {
    await rename(e.dir, join(tmp, e.hex)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err; // another bake evicted it first
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
