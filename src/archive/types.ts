// The archive writer reads a tree through this interface, so the same code packs a rootfs on disk
// in production and an in-memory tree in unit tests.
import type { Readable } from "node:stream";

export type EntryType = "file" | "dir" | "symlink" | "char" | "block" | "fifo" | "socket";

/** One node of a tree, as lstat sees it (symlinks are never followed). */
export interface TreeEntry {
  /** Path relative to the tree root, '/'-separated, no leading './' or '/', e.g. "usr/bin/python3". */
  readonly path: string;
  readonly type: EntryType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Size in bytes (files only; 0 otherwise). */
  readonly size: number;
  /** Modification time in whole seconds since the epoch. */
  readonly mtime: number;
  /** Symlink target, as stored. */
  readonly linkTarget?: string;
  /** Device numbers for char/block nodes. */
  readonly devMajor?: number;
  readonly devMinor?: number;
  /**
   * Identity for hard-link detection: entries with the same key (and nlink > 1) are the same inode.
   * Disk sources use `${dev}:${ino}`; memory sources set it explicitly when they model hard links.
   */
  readonly inode?: string;
  readonly nlink?: number;
  /** Extended attributes (e.g. security.capability), values as raw bytes. */
  readonly xattrs?: Readonly<Record<string, Buffer>>;
}

/** A tree to pack. */
export interface FileSource {
  /** Every entry below the root (the root itself excluded), in any order. */
  entries(): Promise<readonly TreeEntry[]>;
  /** Contents of a regular file. */
  open(path: string): Readable;
  /**
   * The root directory itself (path ""), written as the `./` entry. Optional: without it the packer
   * writes `./` as 0755 root:root.
   */
  root?(): Promise<TreeEntry>;
  /**
   * Optional fast path: reads `path` from byte `position` into `target` until it is full or the file
   * ends, synchronously, and returns the bytes read. A rootfs is thousands of small page-cached files,
   * where a stream per file costs more than the read itself; the packer reads straight into its
   * output buffer with this when the source has it.
   */
  readSync?(path: string, target: Uint8Array, position: number): number;
}

export type Compression =
  | { readonly kind: "zstd"; readonly level?: number; readonly threads?: number }
  | { readonly kind: "gzip"; readonly level?: number }
  | { readonly kind: "none" };

export interface PackOptions {
  /** Clamp every mtime to at most this (SOURCE_DATE_EPOCH). */
  readonly epoch: number;
  readonly compression: Compression;
  /** Output file (written in place; the store handles atomic renames). */
  readonly out: string;
  /** Names without "./" and no root entry (an OCI archive); default: "./" names, as templates need. */
  readonly bare?: boolean;
}

export interface PackResult {
  /** "sha256:<hex>" of the uncompressed tar stream: the image id. */
  readonly id: string;
  /** Bytes of the uncompressed tar stream. */
  readonly tarSize: number;
  /** sha256 hex of the compressed file as written. */
  readonly fileSha256: string;
  readonly fileSize: number;
  /** Number of tar entries written. */
  readonly entries: number;
  /** Paths left out, with why (device nodes under dev/, ...). */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  /** Every entry written, in tar order, with content digests (computed while streaming). */
  readonly index: readonly IndexEntry[];
}

/** One line of an image's file index: what `kiln diff` compares and the manifest's files list holds. */
export interface IndexEntry {
  readonly path: string;
  readonly type: EntryType | "hardlink";
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  /** sha256 hex of the contents (files), the link target (symlink/hardlink), or "" otherwise. */
  readonly digest: string;
}
