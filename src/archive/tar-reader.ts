// A streaming tar parser over any byte stream: headers (ustar, pax, GNU long names) become entries
// whose bodies can be read or skipped. Ours rather than tar-stream's extract because that decodes
// pax values as UTF-8 text, losing binary xattrs (security.capability), and ignores pax uid/gid/mtime.
import { ByteReader } from "./byte-reader.js";
import { BLOCK, padding } from "./tar-format.js";
import {
  MAX_COMPONENT_BYTES,
  MAX_LONGNAME_BYTES,
  MAX_PATH_BYTES,
  MAX_PAX_BYTES,
  decodeHeader,
  decodeName,
  isZeroBlock,
  parsePax,
  tarError,
  type RawHeader,
  type TarAt,
} from "./tar-decode.js";
import type { EntryType } from "./types.js";
import { quoteInput } from "../util/quote.js";

/** One archive member as read back: header metadata, with names normalised for lookups. */
export interface TemplateEntry {
  /** Tree path: the name without "./" and trailing "/" ("." for the root entry "./"). */
  readonly path: string;
  /** The name exactly as stored (e.g. "./etc/"), for safety checks on foreign archives. */
  readonly name: string;
  readonly type: EntryType | "hardlink";
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly uname: string;
  readonly gname: string;
  readonly size: number;
  readonly mtime: number;
  /** Symlink target, or the stored name a hard link points at. */
  readonly linkTarget?: string;
  readonly devMajor?: number;
  readonly devMinor?: number;
  readonly xattrs: Readonly<Record<string, Buffer>>;
}

/** An entry's contents: iterate for chunks, or collect them; unread bodies are skipped. */
export interface TemplateBody extends AsyncIterable<Buffer> {
  bytes(): Promise<Buffer>;
}

const TYPES: Readonly<Record<string, EntryType | "hardlink">> = {
  "0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "dir",
  "6": "fifo",
};

/** Normalises a stored name to a tree path. */
export function treePath(name: string): string {
  const p = name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  return p === "" || p === "." ? "." : p;
}

/** Most members an archive may have: a large rootfs has a few hundred thousand; this bounds memory. */
export const MAX_MEMBERS = 2_000_000;

/** Pending long-name and pax state that applies to the next real header. */
interface Extensions {
  pax?: Map<string, Buffer>;
  longName?: string;
  longLink?: string;
}

/** Refuses a name or link target no Linux tar can extract: over PATH_MAX, a component over NAME_MAX, a NUL. */
function checkPath(p: string, what: string, at: TarAt): void {
  if (p === "") throw tarError(at, `${what} is empty`);
  const bytes = Buffer.byteLength(p);
  if (bytes > MAX_PATH_BYTES) throw tarError(at, `${what} is ${bytes} bytes long, over PATH_MAX (${MAX_PATH_BYTES} bytes and a NUL): ${quoteInput(p)}`);
  if (p.includes("\0")) throw tarError(at, `${what} holds a NUL byte: ${quoteInput(p)}`);
  const long = p.split("/").find((c) => Buffer.byteLength(c) > MAX_COMPONENT_BYTES);
  if (long !== undefined) throw tarError(at, `${what} has a component over NAME_MAX (${MAX_COMPONENT_BYTES} bytes): ${quoteInput(p)}`);
}

/** A pax value as a non-negative integer (mtime may carry a fraction, dropped); anything else is refused. */
function paxNumber(v: string, key: string, at: TarAt): number {
  const m = /^(\d{1,16})(\.\d{1,9})?$/.exec(v);
  const n = m?.[1] !== undefined && (m[2] === undefined || key === "mtime") ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) throw tarError(at, `pax ${key} is ${quoteInput(v)}, not a non-negative whole number`);
  return n;
}

/** Builds the entry from a header plus the extensions that precede it. */
function toEntry(h: RawHeader, ext: Extensions, global: Map<string, Buffer>, at: TarAt): TemplateEntry {
  const pax = new Map([...global, ...(ext.pax ?? [])]);
  const text = (k: string): string | undefined => {
    const v = pax.get(k);
    return v === undefined ? undefined : decodeName(v, at, `pax ${k}`);
  };
  const num = (k: string, fallback: number): number => {
    const v = text(k);
    return v === undefined ? fallback : paxNumber(v, k, at);
  };
  if (ext.longName !== undefined && pax.has("path")) throw tarError(at, "both a GNU long name and a pax path: tar implementations disagree on which wins");
  if (ext.longLink !== undefined && pax.has("linkpath"))
    throw tarError(at, "both a GNU long link and a pax linkpath: tar implementations disagree on which wins");
  const name = text("path") ?? ext.longName ?? h.name;
  checkPath(name, "name", at);
  const flag = String.fromCharCode(h.typeflag);
  const type = TYPES[flag];
  if (!type) throw tarError(at, `${quoteInput(name)}: unsupported tar entry type ${quoteInput(flag)}`);
  const size = num("size", h.size);
  if (type !== "file" && size !== 0)
    throw tarError(at, `${quoteInput(name)}: a ${type} with ${size} bytes of data; tar implementations disagree on skipping it`);
  const xattrs: Record<string, Buffer> = {};
  for (const [k, v] of pax) if (k.startsWith("SCHILY.xattr.")) xattrs[k.slice("SCHILY.xattr.".length)] = v;
  const link = text("linkpath") ?? ext.longLink ?? h.linkname;
  if (type === "symlink" || type === "hardlink") checkPath(link, "link target", at);
  return {
    path: treePath(name),
    name,
    type: type === "file" && name.endsWith("/") ? "dir" : type,
    mode: h.mode & 0o7777,
    uid: num("uid", h.uid),
    gid: num("gid", h.gid),
    uname: text("uname") ?? h.uname,
    gname: text("gname") ?? h.gname,
    size,
    mtime: num("mtime", h.mtime),
    ...(type === "symlink" || type === "hardlink" ? { linkTarget: link } : {}),
    ...(type === "char" || type === "block" ? { devMajor: h.devMajor, devMinor: h.devMinor } : {}),
    xattrs,
  };
}

/** Keys a global pax header may not set: libarchive ignores global headers, so names and sizes would differ. */
const NOT_GLOBAL = ["path", "linkpath", "size"];

/** What each extension header is called in messages. */
const EXTENSION_NAMES: Readonly<Record<string, string>> = { x: "pax extended header", g: "pax global header", L: "GNU long name", K: "GNU long link" };

/** Reads one extension header's body (pax 'x'/'g', GNU 'L'/'K') into `ext` or `global`, bounded before reading. */
async function readExtension(r: ByteReader, h: RawHeader, ext: Extensions, global: Map<string, Buffer>, at: TarAt): Promise<boolean> {
  const flag = String.fromCharCode(h.typeflag);
  const pax = flag === "x" || flag === "g";
  const max = pax ? MAX_PAX_BYTES : MAX_LONGNAME_BYTES;
  const what = EXTENSION_NAMES[flag] ?? flag;
  if (h.size > max) throw tarError(at, `${what} of ${h.size} bytes, over the ${max}-byte bound`);
  const data = await r.exact(h.size + padding(h.size));
  if (!data) return false;
  const body = data.subarray(0, h.size);
  const twice = () => tarError(at, `two ${what}s for one member: tar implementations disagree on which applies`);
  const recs = pax ? parsePax(body, at) : new Map<string, Buffer>();
  // GNU tar and bsdtar rename members by GNU.sparse.name and rebuild sparse bodies; kiln reads no sparse files.
  const sparse = [...recs.keys()].find((k) => k.startsWith("GNU.sparse."));
  if (sparse) throw tarError(at, `pax key ${quoteInput(sparse)}: sparse files are not supported (other tools would read another name and body)`);
  if (flag === "x") {
    if (ext.pax) throw twice();
    ext.pax = recs;
  } else if (flag === "g") {
    const bad = NOT_GLOBAL.find((k) => recs.has(k));
    if (bad) throw tarError(at, `pax global header sets ${quoteInput(bad)}: other readers ignore global headers`);
    for (const [k, v] of recs) global.set(k, v);
    const total = [...global].reduce((a, [k, v]) => a + k.length + v.length, 0);
    if (total > MAX_PAX_BYTES) throw tarError(at, `pax global headers hold ${total} bytes, over the ${MAX_PAX_BYTES}-byte bound`);
  } else {
    const nul = body.indexOf(0);
    const value = decodeName(nul === -1 ? body : body.subarray(0, nul), at, what);
    if ((flag === "L" ? ext.longName : ext.longLink) !== undefined) throw twice();
    if (flag === "L") ext.longName = value;
    else ext.longLink = value;
  }
  return true;
}

/** Parses a tar byte stream into entries with lazily read bodies. `where` names it in errors. */
export async function* parseTar(chunks: AsyncIterable<Uint8Array>, where: string): AsyncGenerator<{ entry: TemplateEntry; body: TemplateBody }> {
  const r = new ByteReader(chunks[Symbol.asyncIterator]());
  const global = new Map<string, Buffer>();
  let ext: Extensions = {};
  let at: TarAt = { file: where, member: 1, offset: 0 };
  const truncated = () => tarError(at, `archive ends in the middle of this member (at byte ${r.offset}): the file is truncated`);
  for (let member = 1; ; ) {
    const offset = r.offset;
    const block = await r.exact(BLOCK);
    if (!block) {
      if (r.leftover > 0) throw truncated();
      if (r.offset === 0) throw tarError(where, "empty file: not a tar archive");
      if (ext.pax || ext.longName !== undefined || ext.longLink !== undefined) throw truncated();
      break; // no end marker: accepted, as GNU tar does
    }
    if (isZeroBlock(block)) {
      if (ext.pax || ext.longName !== undefined || ext.longLink !== undefined) throw tarError(at, "extension header with no member after it");
      const junk = await r.drainZeros();
      if (junk !== undefined) throw tarError(where, `data after the end-of-archive marker (at byte ${junk}): tar implementations disagree on reading it`);
      break;
    }
    if (member > MAX_MEMBERS) throw tarError({ file: where, member, offset }, `more than ${MAX_MEMBERS} members`);
    // A member's position is where its first header (extension or not) starts.
    if (!ext.pax && ext.longName === undefined && ext.longLink === undefined) at = { file: where, member, offset };
    const h = decodeHeader(block, at);
    if ("xgLK".includes(String.fromCharCode(h.typeflag))) {
      if (!(await readExtension(r, h, ext, global, at))) throw truncated();
      continue;
    }
    const entry = toEntry(h, ext, global, at);
    ext = {};
    member++;
    let left = entry.size;
    let current = true;
    const body: TemplateBody = {
      async *[Symbol.asyncIterator]() {
        if (!current) throw new Error(`${entry.name}: body read after moving to the next entry`);
        while (left > 0) {
          const b = await r.some(left);
          if (!b) throw truncated();
          left -= b.length;
          yield b;
        }
      },
      async bytes() {
        const parts: Buffer[] = [];
        for await (const b of body) parts.push(b);
        return Buffer.concat(parts);
      },
    };
    yield { entry, body };
    current = false;
    if (!(await r.skip(left + padding(entry.size)))) throw truncated();
  }
}
