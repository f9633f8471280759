// Turns a tree's entries into the exact list of tar entries to write: checked, filtered, sorted,
// hard links resolved, mtimes clamped. Pure, so every rule here is unit-tested without a disk.
import { UserError, type Problem } from "../errors.js";
import type { TarHeader } from "./tar-format.js";
import type { TreeEntry } from "./types.js";

/** One tar entry to write; `source` is the tree path whose contents follow (files only). */
export interface PlannedEntry {
  readonly header: TarHeader;
  /** Tree path ("." for the root). */
  readonly path: string;
  /** Set for regular files whose contents are written (not for hard links to them). */
  readonly source?: string;
}

export interface ArchivePlan {
  readonly entries: readonly PlannedEntry[];
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/**
 * Entry names carry a "./" prefix (root "./", directories end in "/"), as `tar -C rootfs .` and
 * Proxmox's own templates do. It is not cosmetic: `pct create` extracts with
 * `--anchored --exclude './dev/*'`, which only matches names that start with "./".
 */
export function tarName(path: string, type: TreeEntry["type"]): string {
  if (path === "" || path === ".") return "./";
  return type === "dir" ? `./${path}/` : `./${path}`;
}

/** Why device nodes under dev/ are left out (recorded in PackResult.skipped). */
export const DEV_SKIP_REASON = "device node under dev/: Proxmox excludes ./dev/* when it extracts a template, and the container's /dev is populated at start";

/**
 * Archive order: paths compared component by component, bytewise — the order of `tar --sort=name`
 * (a directory's contents follow it contiguously). Keys replace '/' with U+0000, which sorts below
 * every other character; JS compares strings by UTF-16 code unit, which matches UTF-8 byte order
 * except for characters from U+D800 up, so keys holding those are compared as UTF-8 bytes instead.
 */
function compareKeys(a: SortKey, b: SortKey): number {
  if (a.high || b.high) return Buffer.compare(Buffer.from(a.key, "utf8"), Buffer.from(b.key, "utf8"));
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
const HIGH = /[\uD800-\uFFFF]/;

/** A path's sort key, with whether it holds characters from U+D800 up (tested once per path, not per comparison). */
interface SortKey {
  readonly key: string;
  readonly high: boolean;
}

/** The sort key of a tree path. */
function sortKey(path: string): SortKey {
  const key = path.replaceAll("/", "\u0000");
  return { key, high: HIGH.test(key) };
}

/** An empty, "." or ".." component anywhere in a path (the empty path included). */
const UNCLEAN = /(^|\/)\.{0,2}(\/|$)/;

/** Problems with the tree that make it unpackable, all at once (sockets, bad or duplicate paths). */
function treeProblems(entries: readonly TreeEntry[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (UNCLEAN.test(e.path)) {
      problems.push({ file: e.path, message: "not a clean relative path (empty, '.', '..' or doubled '/' component): fix the FileSource that produced it" });
    } else if (seen.has(e.path)) {
      problems.push({ file: e.path, message: "appears twice in the tree: fix the FileSource that produced it" });
    }
    seen.add(e.path);
    if (e.type === "socket") {
      problems.push({
        file: e.path,
        message: "is a socket, which tar cannot archive: delete it from the tree before packing (its service recreates it at run time)",
      });
    }
  }
  return problems;
}

/** mtime clamped to [0, epoch]: SOURCE_DATE_EPOCH caps it; ustar cannot hold negative times. */
function clampMtime(mtime: number, epoch: number): number {
  return Math.max(0, Math.min(Math.floor(mtime), Math.floor(epoch)));
}

/**
 * Header for a tree entry, before hard-link resolution. One object shape for every type (absent
 * fields undefined): a rootfs has tens of thousands of entries and uniform objects are cheap.
 */
function headerFor(e: TreeEntry, epoch: number): TarHeader {
  if (e.type === "socket") throw new Error("unreachable: sockets are refused before headers are made");
  const device = e.type === "char" || e.type === "block";
  return {
    name: tarName(e.path, e.type),
    type: e.type,
    mode: e.mode & 0o7777,
    uid: e.uid,
    gid: e.gid,
    size: e.type === "file" ? e.size : 0,
    mtime: clampMtime(e.mtime, epoch),
    linkname: e.type === "symlink" ? (e.linkTarget ?? "") : undefined,
    devMajor: device ? (e.devMajor ?? 0) : undefined,
    devMinor: device ? (e.devMinor ?? 0) : undefined,
    xattrs: e.xattrs,
  };
}

/** Plans the archive of a tree: validates, drops dev/ device nodes, sorts, links, clamps. */
export function planArchive(opts: {
  readonly root?: TreeEntry;
  readonly entries: readonly TreeEntry[];
  readonly epoch: number;
  readonly bare?: boolean;
}): ArchivePlan {
  const problems = treeProblems(opts.entries);
  if (problems.length > 0) throw new UserError(problems, { hint: "nothing was written" });
  const skipped: { path: string; reason: string }[] = [];
  const kept: TreeEntry[] = [];
  for (const e of opts.entries) {
    if ((e.type === "char" || e.type === "block") && e.path.startsWith("dev/")) skipped.push({ path: e.path, reason: DEV_SKIP_REASON });
    else kept.push(e);
  }
  const keyed = kept.map((e) => ({ e, sort: sortKey(e.path) }));
  keyed.sort((a, b) => compareKeys(a.sort, b.sort));
  const root = opts.root ?? { path: "", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtime: opts.epoch };
  const out: PlannedEntry[] = [{ path: ".", header: headerFor({ ...root, path: "", type: "dir" }, opts.epoch) }];
  // The first path of an inode (in archive order) carries the data; later ones link to it.
  const firstOfInode = new Map<string, string>();
  for (const { e } of keyed) {
    const h = headerFor(e, opts.epoch);
    const inode = e.type !== "dir" && (e.nlink ?? 1) > 1 ? e.inode : undefined;
    const first = inode === undefined ? undefined : firstOfInode.get(inode);
    if (first !== undefined) {
      // Hard-link entries carry no data and no xattrs: both belong to the inode written first.
      out.push({ path: e.path, header: { ...h, type: "hardlink", size: 0, linkname: first, devMajor: undefined, devMinor: undefined, xattrs: undefined } });
      continue;
    }
    if (inode !== undefined) firstOfInode.set(inode, h.name);
    out.push(e.type === "file" ? { path: e.path, header: h, source: e.path } : { path: e.path, header: h });
  }
  return { entries: opts.bare ? out.slice(1).map(bareEntry) : out, skipped };
}

/** An entry named without "./" (the root entry is left out): `oci-layout`, as Proxmox looks for it in an OCI archive. */
function bareEntry(p: PlannedEntry): PlannedEntry {
  const h = p.header;
  return { ...p, header: { ...h, name: h.name.slice(2), ...(h.type === "hardlink" ? { linkname: (h.linkname ?? "").slice(2) } : {}) } };
}
