// An in-memory FileSource: unit tests and the golden test pack trees described as plain data.
import { Readable } from "node:stream";
import { UserError, type Problem } from "../errors.js";
import type { EntryType, FileSource, TreeEntry } from "./types.js";

/** One node of an in-memory tree. Unset fields get ordinary defaults (root-owned, mtime 0). */
export interface MemoryNode {
  /** Relative path ("etc/hosts"); "" or "." describes the root directory itself. */
  readonly path: string;
  /** Defaults to "file". */
  readonly type?: EntryType;
  /** Permission bits; defaults 0o644 (file), 0o755 (dir), 0o777 (symlink), 0o600 (others). */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly mtime?: number;
  readonly content?: string | Uint8Array;
  readonly linkTarget?: string;
  readonly devMajor?: number;
  readonly devMinor?: number;
  readonly xattrs?: Readonly<Record<string, string | Uint8Array>>;
  /** Makes this node a hard link of the node at that path (same inode: its contents and metadata). */
  readonly hardLinkTo?: string;
}

const DEFAULT_MODE: Readonly<Record<EntryType, number>> = { file: 0o644, dir: 0o755, symlink: 0o777, char: 0o600, block: 0o600, fifo: 0o600, socket: 0o600 };

/** Strips "./", leading and trailing "/" so "./etc/" and "etc" name the same node. */
function normalize(path: string): string {
  return path
    .replace(/^(\.\/)+/, "")
    .replace(/^\/+/, "")
    .replace(/\/+$/, "");
}

/** Converts a node to a tree entry (contents as bytes alongside). */
function toEntry(n: MemoryNode, path: string): { entry: TreeEntry; data: Buffer } {
  const type = n.type ?? "file";
  const data = type === "file" ? Buffer.from(n.content ?? "") : Buffer.alloc(0);
  const xattrs = n.xattrs ? Object.fromEntries(Object.entries(n.xattrs).map(([k, v]) => [k, Buffer.from(v)])) : undefined;
  const entry: TreeEntry = {
    path,
    type,
    mode: n.mode ?? DEFAULT_MODE[type],
    uid: n.uid ?? 0,
    gid: n.gid ?? 0,
    size: data.length,
    mtime: n.mtime ?? 0,
    linkTarget: n.linkTarget,
    devMajor: n.devMajor,
    devMinor: n.devMinor,
    xattrs,
  };
  return { entry, data };
}

/** Builds the entries, resolving hard links to their target's inode; all problems reported at once. */
function build(nodes: readonly MemoryNode[]): { root?: TreeEntry; entries: TreeEntry[]; data: Map<string, Buffer> } {
  const problems: Problem[] = [];
  const byPath = new Map<string, MemoryNode>();
  let rootNode: MemoryNode | undefined;
  for (const n of nodes) {
    const p = normalize(n.path);
    if (p === "" || p === ".") rootNode = n;
    else if (byPath.has(p)) problems.push({ key: p, message: "memory tree: path given twice" });
    else byPath.set(p, n);
  }
  const data = new Map<string, Buffer>();
  const entries: TreeEntry[] = [];
  const links = new Map<string, number>();
  for (const [p, n] of byPath) {
    if (n.hardLinkTo === undefined) continue;
    const target = byPath.get(normalize(n.hardLinkTo));
    if (!target || target.hardLinkTo !== undefined || target.type === "dir")
      problems.push({ key: p, message: `memory tree: hardLinkTo "${n.hardLinkTo}" must name a non-directory node that is not itself a link` });
    const t = normalize(n.hardLinkTo);
    links.set(t, (links.get(t) ?? 1) + 1);
  }
  if (problems.length > 0) throw new UserError(problems);
  for (const [p, n] of byPath) {
    const target = n.hardLinkTo === undefined ? p : normalize(n.hardLinkTo);
    // A hard link's target was checked to exist above.
    const node = n.hardLinkTo === undefined ? n : byPath.get(target);
    if (!node) continue;
    const { entry, data: bytes } = toEntry(node, p);
    const nlink = links.get(target) ?? 1;
    entries.push(nlink > 1 ? { ...entry, inode: `mem:${target}`, nlink } : entry);
    if (entry.type === "file") data.set(p, bytes);
  }
  const root = rootNode ? toEntry({ ...rootNode, type: "dir" }, "").entry : undefined;
  return { root, entries, data };
}

/** A FileSource over an in-memory tree, for tests. Nodes may come in any order. */
export function memorySource(nodes: readonly MemoryNode[]): FileSource {
  const tree = build(nodes);
  const { root } = tree;
  const contents = (path: string): Buffer => {
    const d = tree.data.get(path);
    if (!d) throw new UserError({ key: path, message: "memory tree: no such regular file" });
    return d;
  };
  return {
    entries: async () => tree.entries,
    open: (path) => Readable.from([contents(path)]),
    ...(root ? { root: async () => root } : {}),
  };
}
