// The listing of a tree on disk from ONE `find` run (as xattrs.ts reads the attributes from one getfattr
// run): type, mode, owners, size, mtime, inode and link target of every entry. find walks in C with a
// stat relative to each directory; an lstatSync per path from Node costs ~10 µs and a lookup of the
// whole absolute path each, about 0.25 s of the packing thread for a 20k-file rootfs before any output.
import { isUtf8 } from "node:buffer";
import { join } from "node:path";
import { type Problem, ToolError, UserError } from "../errors.js";
import { checkTool, runBinary } from "../exec/run.js";
import type { EntryType, TreeEntry } from "./types.js";

/** find's argv: one record per entry below `root` (not `root` itself), fields as parseFind reads them. */
export function findArgv(root: string): string[] {
  // -mindepth 1 leaves out the root; %P is the path below it, %l the symlink target (empty otherwise).
  return ["find", root, "-mindepth", "1", "-printf", "%y %m %U %G %s %T@ %D:%i %n %P\\0%l\\0"];
}

/** find's %y letters. */
const TYPES: Readonly<Record<string, EntryType>> = { f: "file", d: "dir", l: "symlink", c: "char", b: "block", p: "fifo", s: "socket" };

/**
 * Whole seconds of a %T@ time ("<sec>.<10 digits>"), computed as Node's lstat computes them
 * (floor(mtimeMs / 1000), mtimeMs = sec·1000 + nsec/10⁶), so the archive's mtimes are bit for bit the same.
 */
export function findSeconds(t: string): number {
  const dot = t.indexOf(".");
  // find prints the timespec's two fields as they are: "-6.75" is tv_sec -6, tv_nsec 0.75 s (5.25 s before 1970).
  const sec = Number(dot === -1 ? t : t.slice(0, dot));
  const nsec = dot === -1 ? 0 : Number(t.slice(dot + 1, dot + 10).padEnd(9, "0"));
  return Math.floor((sec * 1000 + nsec / 1e6) / 1000);
}

/** The path of a record, or undefined when it is not UTF-8 (then a problem is added, once per bad name). */
function decodePath(raw: Buffer, root: string, problems: Problem[]): string | undefined {
  if (isUtf8(raw)) return raw.toString("utf8");
  // Entries below a badly named directory repeat its name: report only the name that is bad itself.
  const slash = raw.lastIndexOf(0x2f);
  if (slash === -1 || isUtf8(raw.subarray(0, slash)))
    problems.push({ file: join(root, raw.toString("latin1")), message: "file name is not valid UTF-8, which the archive cannot carry: rename it" });
  return undefined;
}

/** One record's fields before the path: "%y %m %U %G %s %T@ %D:%i %n ". */
function entryOf(head: string, path: string, target: string): TreeEntry {
  const f = head.split(" ");
  const type = TYPES[f[0] ?? ""];
  if (type === undefined || f.length !== 9) throw new ToolError(`find: unexpected record ${JSON.stringify(head)} for ${path}`);
  const nlink = Number(f[7]);
  return {
    path,
    type,
    mode: Number.parseInt(f[1] ?? "", 8) & 0o7777,
    uid: Number(f[2]),
    gid: Number(f[3]),
    size: type === "file" ? Number(f[4]) : 0,
    mtime: findSeconds(f[5] ?? ""),
    ...(nlink > 1 && type !== "dir" ? { inode: f[6], nlink } : {}),
    ...(type === "symlink" ? { linkTarget: target } : {}),
  };
}

/** Parses findArgv's output. Device numbers are not in it: `devices` fills them in for char and block entries. */
export function parseFind(out: Buffer, root: string, devices: (path: string) => Pick<TreeEntry, "devMajor" | "devMinor">): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const problems: Problem[] = [];
  for (let start = 0; start < out.length; ) {
    const end = out.indexOf(0, start);
    const linkEnd = end === -1 ? -1 : out.indexOf(0, end + 1);
    if (linkEnd === -1) throw new ToolError("find: output ends in the middle of a record");
    // The fields are ASCII and end at the 8th space; the path (any bytes) follows.
    let p = start;
    for (let k = 0; k < 8 && p !== -1; k++) p = out.indexOf(0x20, p) + 1 || -1;
    if (p === -1 || p > end) throw new ToolError(`find: unexpected record ${JSON.stringify(out.toString("latin1", start, end))}`);
    const path = decodePath(out.subarray(p, end), root, problems);
    if (path !== undefined) {
      const e = entryOf(out.toString("latin1", start, p), path, out.toString("utf8", end + 1, linkEnd));
      entries.push(e.type === "char" || e.type === "block" ? { ...e, ...devices(path) } : e);
    }
    start = linkEnd + 1;
  }
  if (problems.length > 0) throw new UserError(problems, { hint: "nothing was written" });
  return entries;
}

/** Lists every entry below `root` (absolute) with one find run. */
export async function findTree(root: string, devices: (path: string) => Pick<TreeEntry, "devMajor" | "devMinor">): Promise<TreeEntry[]> {
  checkTool("find", "list the tree to pack", "apt-get install findutils");
  return parseFind(await runBinary(findArgv(root)), root, devices);
}
