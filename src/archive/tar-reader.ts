// A streaming tar parser over any byte stream: headers (ustar, pax, GNU long names) become entries
// whose bodies can be read or skipped. Ours rather than tar-stream's extract because that decodes
// pax values as UTF-8 text, losing binary xattrs (security.capability), and ignores pax uid/gid/mtime.
import { UserError } from "../errors.js";
import { BLOCK, decodeHeader, isZeroBlock, padding, parsePax, type RawHeader } from "./tar-format.js";
import type { EntryType } from "./types.js";

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

const TYPES: Readonly<Record<string, EntryType | "hardlink">> = { "0": "file", "7": "file", "1": "hardlink", "2": "symlink", "3": "char", "4": "block", "5": "dir", "6": "fifo" };

/** Normalises a stored name to a tree path. */
export function treePath(name: string): string {
  const p = name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  return p === "" || p === "." ? "." : p;
}

/** Pulls exact byte counts out of a chunk stream. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  offset = 0;

  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  /** Buffers at least `n` bytes unless the stream ends first; false at a premature end. */
  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
        this.chunks.push(b);
        this.buffered += b.length;
      }
    }
    return this.buffered >= n;
  }

  /** Up to `max` bytes (at least 1 unless at the end), without copying when possible. */
  async some(max: number): Promise<Buffer | undefined> {
    if (!(await this.fill(1))) return undefined;
    const first = this.chunks[0] as Buffer;
    const take = Math.min(max, first.length);
    if (take === first.length) this.chunks.shift();
    else this.chunks[0] = first.subarray(take);
    this.buffered -= take;
    this.offset += take;
    return first.subarray(0, take);
  }

  /** Exactly `n` bytes, or undefined if the stream ends first. */
  async exact(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) return undefined;
    const parts: Buffer[] = [];
    for (let got = 0; got < n; ) {
      const b = (await this.some(n - got)) as Buffer;
      parts.push(b);
      got += b.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Discards `n` bytes; false if the stream ends first. */
  async skip(n: number): Promise<boolean> {
    for (let left = n; left > 0; ) {
      const b = await this.some(left);
      if (!b) return false;
      left -= b.length;
    }
    return true;
  }

  /** Bytes buffered but not yet taken (non-zero after a failed exact() means a cut-off block). */
  get leftover(): number {
    return this.buffered;
  }

  /** Reads and discards whatever remains (e.g. zero padding after the end marker). */
  async drain(): Promise<void> {
    while (await this.some(1 << 20));
  }
}

/** Pending long-name and pax state that applies to the next real header. */
interface Extensions {
  pax: Map<string, Buffer>;
  longName?: string;
  longLink?: string;
}

/** Builds the entry from a header plus the extensions that precede it. */
function toEntry(h: RawHeader, ext: Extensions, global: Map<string, Buffer>, where: string): TemplateEntry {
  const pax = new Map([...global, ...ext.pax]);
  const text = (k: string): string | undefined => pax.get(k)?.toString("utf8");
  const num = (k: string, fallback: number): number => {
    const v = text(k);
    return v === undefined ? fallback : Math.floor(Number(v));
  };
  const name = text("path") ?? ext.longName ?? h.name;
  const flag = String.fromCharCode(h.typeflag);
  const type = TYPES[flag];
  if (!type) throw new UserError({ file: where, message: `${name}: unsupported tar entry type '${flag}'` });
  const xattrs: Record<string, Buffer> = {};
  for (const [k, v] of pax) if (k.startsWith("SCHILY.xattr.")) xattrs[k.slice("SCHILY.xattr.".length)] = v;
  const link = text("linkpath") ?? ext.longLink ?? h.linkname;
  return {
    path: treePath(name),
    name,
    type: type === "file" && name.endsWith("/") ? "dir" : type,
    mode: h.mode & 0o7777,
    uid: num("uid", h.uid),
    gid: num("gid", h.gid),
    uname: text("uname") ?? h.uname,
    gname: text("gname") ?? h.gname,
    size: type === "file" ? num("size", h.size) : 0,
    mtime: num("mtime", h.mtime),
    ...(type === "symlink" || type === "hardlink" ? { linkTarget: link } : {}),
    ...(type === "char" || type === "block" ? { devMajor: h.devMajor, devMinor: h.devMinor } : {}),
    xattrs,
  };
}

/** Parses a tar byte stream into entries with lazily read bodies. `where` names it in errors. */
export async function* parseTar(chunks: AsyncIterable<Uint8Array>, where: string): AsyncGenerator<{ entry: TemplateEntry; body: TemplateBody }> {
  const r = new ByteReader(chunks[Symbol.asyncIterator]());
  const truncated = () => new UserError({ file: where, message: `archive ends in the middle of an entry (at byte ${r.offset}): the file is truncated` });
  const global = new Map<string, Buffer>();
  let ext: Extensions = { pax: new Map() };
  for (;;) {
    const block = await r.exact(BLOCK);
    if (!block) {
      if (r.leftover > 0) throw truncated();
      if (r.offset === 0) throw new UserError({ file: where, message: "empty file: not a tar archive" });
      break; // no end marker: accepted, as GNU tar does
    }
    if (isZeroBlock(block)) {
      await r.drain();
      break;
    }
    const h = decodeHeader(block, where);
    const flag = String.fromCharCode(h.typeflag);
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      const data = await r.exact(h.size + padding(h.size));
      if (!data) throw truncated();
      const body = data.subarray(0, h.size);
      if (flag === "x") ext.pax = parsePax(body, where);
      else if (flag === "g") for (const [k, v] of parsePax(body, where)) global.set(k, v);
      else if (flag === "L") ext.longName = body.toString("utf8").replace(/\0+$/, "");
      else ext.longLink = body.toString("utf8").replace(/\0+$/, "");
      continue;
    }
    const entry = toEntry(h, ext, global, where);
    ext = { pax: new Map() };
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
