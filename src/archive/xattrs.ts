// Extended attributes for a whole tree from ONE `getfattr -R` run: Node has no xattr API, and a
// subprocess per file would cost more than packing the file.
import { ToolError } from "../errors.js";
import { checkTool, runBinary } from "../exec/run.js";
import { quoteInput } from "../util/quote.js";

/** tree path ("" for the root) → attribute name → raw value. */
export type TreeXattrs = ReadonlyMap<string, Readonly<Record<string, Buffer>>>;

/** The getfattr command that dumps every attribute of every inode below `root`. */
export function getfattrArgv(root: string): string[] {
  return [
    "getfattr",
    "--absolute-names", // print paths as given, without the "Removing leading '/'" notice
    "--recursive",
    "--physical", // never follow symlinks while walking...
    "--no-dereference", // ...nor when reading a symlink's own attributes (dangling links must not fail)
    "--dump",
    "--match=-", // every namespace, security.capability included (the default is user.* only)
    "--encoding=hex", // values as 0x… so binary values survive the text format
    root,
  ];
}

/** Undoes getfattr's quoting of names: "\ooo" octal escapes, and "\\" in older versions. */
export function unquote(bytes: Buffer): Buffer {
  if (!bytes.includes(0x5c)) return bytes;
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] ?? 0;
    if (c !== 0x5c) out.push(c);
    else if (bytes[i + 1] === 0x5c) {
      out.push(0x5c);
      i++;
    } else {
      const oct = bytes.toString("latin1", i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw new ToolError(`getfattr: unexpected escape in ${bytes.toString("utf8")}`);
      out.push(parseInt(oct, 8));
      i += 3;
    }
  }
  return Buffer.from(out);
}

/** Decodes an attribute value in getfattr's hex encoding ("0x…"; an empty value may print bare). */
function decodeValue(text: string, where: string): Buffer {
  if (text === "" || text === '""') return Buffer.alloc(0);
  if (!/^0x([0-9a-fA-F]{2})*$/.test(text)) throw new ToolError(`getfattr: cannot decode value ${quoteInput(text)} of ${where}`);
  return Buffer.from(text.slice(2), "hex");
}

/** Parses `getfattr --dump --encoding=hex` output into per-path attributes, relative to `root`. */
export function parseGetfattr(out: Buffer, root: string): Map<string, Record<string, Buffer>> {
  const result = new Map<string, Record<string, Buffer>>();
  const prefix = root === "/" ? "/" : `${root}/`;
  let current: Record<string, Buffer> | undefined;
  let start = 0;
  while (start < out.length) {
    let end = out.indexOf(0x0a, start);
    if (end === -1) end = out.length;
    const line = out.subarray(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    if (line.toString("latin1", 0, 8) === "# file: ") {
      const abs = unquote(line.subarray(8)).toString("utf8");
      const rel = abs === root ? "" : abs.startsWith(prefix) ? abs.slice(prefix.length) : undefined;
      if (rel === undefined) throw new ToolError(`getfattr: reported ${abs}, which is not below ${root}`);
      current = {};
      result.set(rel, current);
      continue;
    }
    if (!current) throw new ToolError(`getfattr: attribute line before any "# file:" line: ${line.toString("utf8")}`);
    const eq = line.indexOf(0x3d);
    const name = unquote(eq === -1 ? line : line.subarray(0, eq)).toString("utf8");
    current[name] = decodeValue(eq === -1 ? "" : line.toString("latin1", eq + 1), name);
  }
  return result;
}

/** Reads every extended attribute below `root` (absolute) with one getfattr run. */
export async function readTreeXattrs(root: string): Promise<TreeXattrs> {
  checkTool("getfattr", "read extended attributes (file capabilities) while packing a tree", "apt-get install attr");
  const out = await runBinary(getfattrArgv(root));
  return parseGetfattr(out, root);
}
