// The tar wire format kiln writes and reads: POSIX.1-2001 "pax" (ustar headers, plus a pax extended
// header only for what ustar cannot hold). Encoding is ours rather than tar-stream's because
// tar-stream writes pax values as UTF-8 text, which corrupts binary xattrs such as
// security.capability, and it names every pax'd ustar header "PaxHeader".
export const BLOCK = 512;

/** The entry kinds kiln writes, as tar typeflags. */
export type TarType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

/** Typeflag bytes: '0' regular file … '6' fifo. */
const TYPEFLAG: Readonly<Record<TarType, number>> = { file: 0x30, hardlink: 0x31, symlink: 0x32, char: 0x33, block: 0x34, dir: 0x35, fifo: 0x36 };

/** One entry's header, with names exactly as they go into the archive (e.g. "./etc/"). */
export interface TarHeader {
  readonly name: string;
  readonly type: TarType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly linkname?: string;
  readonly devMajor?: number;
  readonly devMinor?: number;
  readonly xattrs?: Readonly<Record<string, Uint8Array>>;
}

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

/** Zero bytes needed after `size` bytes of data to reach a block boundary. */
export function padding(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

/** The largest value an ustar numeric field of `len` bytes holds in octal (len-1 digits + NUL). */
function octalMax(len: number): number {
  return 8 ** (len - 1) - 1;
}

/**
 * Writes `value` as zero-padded octal + NUL, or as base-256 (GNU/star) when octal cannot hold it,
 * and returns the sum of the bytes written (for the header checksum). Byte by byte, without
 * strings: packing a rootfs encodes tens of thousands of headers.
 */
function writeNumber(buf: Uint8Array, off: number, len: number, value: number): number {
  let sum = 0;
  if (value <= octalMax(len)) {
    let v = value;
    buf[off + len - 1] = 0;
    for (let i = off + len - 2; i >= off; i--) {
      const c = 0x30 + (v % 8);
      buf[i] = c;
      sum += c;
      v = Math.floor(v / 8);
    }
    return sum;
  }
  let v = BigInt(value);
  for (let i = len - 1; i > 0; i--) {
    const c = Number(v & 0xffn);
    buf[off + i] = c;
    sum += c;
    v >>= 8n;
  }
  buf[off] = 0x80;
  return sum + 0x80;
}

/** One pax record: "<len> <key>=<value>\n", where len counts the whole record including itself. */
function paxRecord(key: string, value: Uint8Array): Buffer {
  const body = Buffer.byteLength(key) + value.length + 3; // space, '=', '\n'
  let len = body + String(body).length;
  if (String(len).length !== String(body).length) len = body + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`, "utf8"), value, Buffer.from("\n")]);
}

/** The longest prefix of `s` whose UTF-8 form fits in `max` bytes (never splitting a character). */
function truncateUtf8(s: string, max: number): Buffer {
  const b = Buffer.from(s, "utf8");
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && ((b[end] ?? 0) & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

/** Writes a string field cut to `max` bytes and returns the sum of its bytes; ASCII needs no Buffer call. */
function writeString(buf: Buffer, off: number, max: number, s: string): number {
  const n = Math.min(s.length, max);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      const bytes = truncateUtf8(s, max);
      buf.set(bytes, off);
      return bytes.reduce((a, x) => a + x, 0);
    }
    buf[off + i] = c;
    sum += c;
  }
  return sum;
}

/** True when the UTF-8 form of `s` fits in `max` bytes. */
function fits(s: string, max: number): boolean {
  return s.length * 3 <= max || Buffer.byteLength(s) <= max;
}

/** The pax records this header needs (empty when plain ustar holds everything). */
function paxRecords(h: TarHeader): Buffer[] {
  const out: Buffer[] = [];
  if (!fits(h.name, 100)) out.push(paxRecord("path", Buffer.from(h.name, "utf8")));
  if (h.linkname !== undefined && !fits(h.linkname, 100)) out.push(paxRecord("linkpath", Buffer.from(h.linkname, "utf8")));
  if (h.size > octalMax(12)) out.push(paxRecord("size", Buffer.from(String(h.size))));
  if (h.uid > octalMax(8)) out.push(paxRecord("uid", Buffer.from(String(h.uid))));
  if (h.gid > octalMax(8)) out.push(paxRecord("gid", Buffer.from(String(h.gid))));
  // SCHILY.xattr.<name> with the raw value bytes: the form GNU tar and bsdtar both read back.
  const names = Object.keys(h.xattrs ?? {}).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const n of names) out.push(paxRecord(`SCHILY.xattr.${n}`, h.xattrs?.[n] ?? new Uint8Array()));
  return out;
}

/** True when the header fits plain ustar (the usual case), so no pax header is written. */
function fitsUstar(h: TarHeader): boolean {
  const noXattrs = h.xattrs === undefined || Object.keys(h.xattrs).length === 0;
  return (
    noXattrs &&
    fits(h.name, 100) &&
    (h.linkname === undefined || fits(h.linkname, 100)) &&
    h.size <= octalMax(12) &&
    h.uid <= octalMax(8) &&
    h.gid <= octalMax(8)
  );
}

const MAGIC = Buffer.from("ustar\u000000", "latin1");

/** Fields of one ustar header block (names are cut to their field size). */
export interface UstarFields {
  readonly name: string;
  readonly typeflag: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly linkname: string;
  readonly devMajor: number;
  readonly devMinor: number;
}

/** Sum of the magic's bytes, counted into every checksum. */
const MAGIC_SUM = MAGIC.reduce((a, x) => a + x, 0);

/**
 * Fills the 512-byte ustar header block at `off`. Empty uname/gname: owners are numeric only. The
 * checksum (over the block with its own field as eight spaces) is summed from what each field
 * wrote, since everything else in the block is zero.
 */
function writeUstar(b: Buffer, off: number, h: UstarFields): void {
  b.fill(0, off, off + BLOCK);
  let sum = 8 * 0x20 + h.typeflag + MAGIC_SUM;
  sum += writeString(b, off, 100, h.name);
  sum += writeNumber(b, off + 100, 8, h.mode);
  sum += writeNumber(b, off + 108, 8, h.uid);
  sum += writeNumber(b, off + 116, 8, h.gid);
  sum += writeNumber(b, off + 124, 12, h.size);
  sum += writeNumber(b, off + 136, 12, h.mtime);
  b[off + 156] = h.typeflag;
  sum += writeString(b, off + 157, 100, h.linkname);
  b.set(MAGIC, off + 257);
  sum += writeNumber(b, off + 329, 8, h.devMajor);
  sum += writeNumber(b, off + 337, 8, h.devMinor);
  writeNumber(b, off + 148, 7, sum); // 6 octal digits and NUL...
  b[off + 155] = 0x20; // ...then a space, as GNU tar writes it
}

/** The main ustar block's fields for an entry. */
function mainFields(h: TarHeader): UstarFields {
  return {
    name: h.name,
    typeflag: TYPEFLAG[h.type],
    mode: h.mode & 0o7777,
    uid: h.uid,
    gid: h.gid,
    size: h.size,
    mtime: h.mtime,
    linkname: h.linkname ?? "",
    devMajor: h.devMajor ?? 0,
    devMinor: h.devMinor ?? 0,
  };
}

/**
 * Writes the header straight into `target` at `off` when it fits plain ustar (512 bytes) and
 * returns true; returns false, writing nothing, when it needs a pax header (use encodeHeader).
 */
export function writeSimpleHeader(target: Buffer, off: number, h: TarHeader): boolean {
  if (!fitsUstar(h)) return false;
  writeUstar(target, off, mainFields(h));
  return true;
}

/** Encodes an entry's header: a pax extended header when needed, then the ustar header. */
export function encodeHeader(h: TarHeader): Buffer {
  const records = paxRecords(h);
  if (records.length === 0) {
    const out = Buffer.alloc(BLOCK);
    writeUstar(out, 0, mainFields(h));
    return out;
  }
  const data = Buffer.concat(records);
  const mainAt = BLOCK + data.length + padding(data.length);
  const out = Buffer.alloc(mainAt + BLOCK);
  // The pax header's own name only matters to readers that do not know pax: GNU tar's pattern.
  const base = h.name.replace(/\/$/, "").split("/").pop() ?? "";
  writeUstar(out, 0, {
    name: `./PaxHeaders/${base}`,
    typeflag: 0x78 /* 'x' */,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: data.length,
    mtime: h.mtime,
    linkname: "",
    devMajor: 0,
    devMinor: 0,
  });
  data.copy(out, BLOCK);
  writeUstar(out, mainAt, mainFields(h));
  return out;
}
