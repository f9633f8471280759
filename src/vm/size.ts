// Sizes: parsing `--size`, what the image tree needs on ext4 (from the store's file index, so a size that
// is too small is refused before anything is extracted), and the default disk and ESP sizes.
import type { IndexEntry } from "../archive/types.js";
import { MiB, roundUp } from "./geometry.js";

const BLOCK = 4096;
/** ext4 inode size kiln formats with (mke2fs.conf's default). */
export const INODE_SIZE = 256;
/** mke2fs's default bytes-per-inode: kiln never gives the root filesystem fewer inodes than that. */
const INODE_RATIO = 16384;
/** Disk sizes round up to this, so a default looks like a number a person would pick. */
const DISK_ROUND = 64 * MiB;

/** What the image tree occupies, estimated the way ext4 allocates it. */
export interface TreeStats {
  /** Inodes the tree needs (every entry but hard links, plus the root directory). */
  readonly inodes: number;
  /** Bytes of 4 KiB blocks for file contents, directories and long symlinks. */
  readonly dataBytes: number;
}

/** Parses `4G`, `1536M`, `2GiB`, `1.5G` or plain bytes (binary units, as qemu-img reads them). */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = { "": 1, K: 1024, M: MiB, G: 1024 * MiB, T: 1024 * 1024 * MiB }[(m[2] ?? "").toUpperCase()] ?? 1;
  const bytes = Math.ceil(Number(m[1]) * unit);
  return Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
}

/** Renders bytes for a message: whole MiB below 10 GiB, else GiB with one decimal. */
export function formatSize(bytes: number): string {
  return bytes < 10 * 1024 * MiB ? `${Math.ceil(bytes / MiB)}M` : `${(bytes / (1024 * MiB)).toFixed(1)}G`;
}

/** The name part of an index path ("usr/bin/x" → "x"). */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The parent part of an index path ("usr/bin/x" → "usr/bin", "etc" → ""). */
function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/**
 * Estimates the tree's footprint on ext4 from the store's file index: file contents in whole blocks,
 * one block per directory or more for big ones (an entry is 8 bytes + the name, 4-aligned), symlinks
 * of 60 bytes or more in a block of their own (shorter ones live in the inode).
 */
export function treeStats(index: readonly IndexEntry[]): TreeStats {
  const dirBytes = new Map<string, number>([["", 24]]);
  let inodes = 1;
  let data = 0;
  for (const e of index) {
    const parent = parentOf(e.path);
    dirBytes.set(parent, (dirBytes.get(parent) ?? 24) + 8 + roundUp(Buffer.byteLength(baseName(e.path)), 4));
    if (e.type === "hardlink") continue;
    inodes++;
    if (e.type === "file") data += roundUp(e.size, BLOCK);
    else if (e.type === "symlink" && Buffer.byteLength(e.digest) >= 60) data += BLOCK;
    else if (e.type === "dir" && !dirBytes.has(e.path)) dirBytes.set(e.path, 24);
  }
  for (const bytes of dirBytes.values()) data += roundUp(bytes, BLOCK);
  return { inodes, dataBytes: data };
}

/** mke2fs's default journal size (in bytes) for a filesystem of `blocks` 4 KiB blocks (e2fsprogs 1.47). */
export function journalBytes(blocks: number): number {
  const table: readonly (readonly [number, number])[] = [
    [2048, 0],
    [32768, 1024],
    [256 * 1024, 4096],
    [512 * 1024, 8192],
    [4096 * 1024, 16384],
    [8192 * 1024, 32768],
    [16384 * 1024, 65536],
    [32768 * 1024, 131072],
  ];
  for (const [limit, journal] of table) if (blocks < limit) return journal * BLOCK;
  return 262144 * BLOCK;
}

/** Inodes to format the root filesystem with: the default ratio, or the tree plus 25% if that is more. */
export function inodesFor(rootBytes: number, stats: TreeStats): number {
  return Math.max(Math.floor(rootBytes / INODE_RATIO), Math.ceil(stats.inodes * 1.25) + 1024);
}

/**
 * Whether a root partition of `rootBytes` holds the tree: data + inode tables + journal, plus 3% for
 * group descriptors, bitmaps and reserved GDT blocks, plus 16 MiB of slack for what the estimate misses.
 */
export function rootFits(rootBytes: number, stats: TreeStats): boolean {
  const blocks = Math.floor(rootBytes / BLOCK);
  const need = stats.dataBytes + inodesFor(rootBytes, stats) * INODE_SIZE + journalBytes(blocks);
  return need * 1.03 + 16 * MiB <= rootBytes;
}

/** The default disk size: the tree × 1.3 + 300 MiB (room for the ESP, the journal, and some growth), rounded up. */
export function defaultDiskBytes(stats: TreeStats): number {
  return roundUp(stats.dataBytes * 1.3 + 300 * MiB, DISK_ROUND);
}

/** The ESP holds the loader, the kernel and the initrd: their size + 25% + 16 MiB, at least 128 MiB (FAT32 wants ≥ 65525 clusters). */
export function espBytesFor(bootFileBytes: number): number {
  return Math.max(128 * MiB, roundUp(bootFileBytes * 1.25 + 16 * MiB, MiB));
}
