// The production FileSource: a directory on disk, listed by one find run (symlinks are never followed),
// with numeric owners, dev:ino hard-link identity and every xattr (security.capability included).
import { closeSync, createReadStream, lstatSync, openSync, readlinkSync, readSync, type Stats } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { findTree } from "./find-walk.js";
import { readTreeXattrs, type TreeXattrs } from "./xattrs.js";
import type { EntryType, FileSource, TreeEntry } from "./types.js";
import { errnoCode } from "../util/thrown.js";

/** The entry type lstat reports. */
function typeOf(st: Stats): EntryType {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isCharacterDevice()) return "char";
  if (st.isBlockDevice()) return "block";
  if (st.isFIFO()) return "fifo";
  return "socket";
}

/** glibc's major()/minor() split of a device number. */
function devNumbers(rdev: number): { devMajor: number; devMinor: number } {
  const r = BigInt(rdev);
  return {
    devMajor: Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & 0xfffff000n)),
    devMinor: Number((r & 0xffn) | ((r >> 12n) & 0xffffff00n)),
  };
}

/**
 * Hard-link identity. Plain (number) stats are much cheaper than bigint ones, but a 64-bit inode
 * number above 2^53 would lose precision and could merge two inodes: only then ask again in bigint.
 */
function inodeKey(abs: string, st: Stats): string {
  if (Number.isSafeInteger(st.ino) && Number.isSafeInteger(st.dev)) return `${st.dev}:${st.ino}`;
  const big = lstatSync(abs, { bigint: true });
  return `${big.dev}:${big.ino}`;
}

/** A tree entry from lstat. */
function entryOf(abs: string, path: string, st: Stats): TreeEntry {
  const type = typeOf(st);
  return {
    path,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: type === "file" ? st.size : 0,
    mtime: Math.floor(st.mtimeMs / 1000),
    ...(st.nlink > 1 && type !== "dir" ? { inode: inodeKey(abs, st), nlink: st.nlink } : {}),
    ...(type === "symlink" ? { linkTarget: readlinkSync(abs, "utf8") } : {}),
    ...(type === "char" || type === "block" ? devNumbers(st.rdev) : {}),
  };
}

/** Adds the attributes getfattr found to the entries that have any. */
function withXattrs(entries: readonly TreeEntry[], xattrs: TreeXattrs): TreeEntry[] {
  return entries.map((e) => withEntryXattrs(e, xattrs));
}

/** The entry with its attributes, if getfattr found any. */
function withEntryXattrs(e: TreeEntry, xattrs: TreeXattrs): TreeEntry {
  const x = xattrs.get(e.path);
  return x && Object.keys(x).length > 0 ? { ...e, xattrs: x } : e;
}

/** Reads `path` from `position` until `target` is full or the file ends; returns bytes read. */
function readInto(abs: string, target: Uint8Array, position: number): number {
  const fd = openSync(abs, "r");
  try {
    let got = 0;
    while (got < target.length) {
      const n = readSync(fd, target, got, target.length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  } finally {
    closeSync(fd);
  }
}

/** lstat of the root, refusing anything but a directory with a message naming it. */
function rootStat(abs: string): Stats {
  let st: Stats;
  try {
    st = lstatSync(abs);
  } catch (e) {
    throw new UserError({ file: abs, message: `cannot read the tree to pack (${errnoCode(e) ?? String(e)}): give an existing directory` });
  }
  if (!st.isDirectory()) throw new UserError({ file: abs, message: "the tree to pack must be a directory (symlinks are not followed)" });
  return st;
}

/**
 * A FileSource over the directory `root` (the rootfs to pack). Its listing is taken once: the first
 * entries() call starts it (it may run while the caller does other work) and every call returns it.
 */
export function diskSource(root: string): FileSource {
  const abs = resolve(root);
  let xattrs: Promise<TreeXattrs> | undefined;
  let listing: Promise<TreeEntry[]> | undefined;
  // One getfattr run serves both entries() and root(); it runs while the walk does.
  const treeXattrs = (): Promise<TreeXattrs> => (xattrs ??= readTreeXattrs(abs));
  const list = async (): Promise<TreeEntry[]> => {
    rootStat(abs);
    const pending = treeXattrs();
    pending.catch(() => undefined); // awaited below; keeps a listing error from leaving it unhandled
    // find and getfattr walk the tree at the same time; only device nodes need a stat of their own.
    const entries = await findTree(abs, (path) => devNumbers(lstatSync(join(abs, path)).rdev));
    return withXattrs(entries, await pending);
  };
  return {
    entries: () => (listing ??= list()),
    root: async () => withEntryXattrs(entryOf(abs, "", rootStat(abs)), await treeXattrs()),
    open: (path) => createReadStream(join(abs, path), { highWaterMark: 1 << 20 }),
    // Paths from entries() are clean and relative: plain concatenation, not join(), per file.
    readSync: (path, target, position) => readInto(`${abs === "/" ? "" : abs}/${path}`, target, position),
  };
}
