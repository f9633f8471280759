// Decoding tar headers from untrusted archives, strictly: every field is bounded and validated, and
// names are read the way GNU tar and bsdtar read them, so kiln checks exactly what they extract.
// Anything ambiguous or over a bound is refused with the member's position, never guessed at.
import { UserError } from "../errors.js";
import { quoteInput } from "../util/quote.js";
import { BLOCK, type UstarFields } from "./tar-format.js";

/** Longest member name or link target in bytes: PATH_MAX (4096) counts the terminating NUL. */
export const MAX_PATH_BYTES = 4095;
/** Longest single name component (NAME_MAX): longer ones cannot be created on Linux. */
export const MAX_COMPONENT_BYTES = 255;
/** Largest pax extended header (per member, and all global ones together), as libarchive bounds it. */
export const MAX_PAX_BYTES = 1 << 20;
/** Largest GNU long name / long link body (PATH_MAX, NUL included). */
export const MAX_LONGNAME_BYTES = 4096;

/** Where in an archive a problem is: the file, the member's 1-based index and its header's byte offset. */
export interface TarAt {
  readonly file: string;
  readonly member?: number;
  readonly offset?: number;
}

/** A refusal naming the archive and, when known, the member's position. */
export function tarError(at: string | TarAt, message: string): UserError {
  const a = typeof at === "string" ? { file: at } : at;
  const pos = a.member === undefined ? "" : `member ${a.member} (header at byte ${a.offset ?? 0}): `;
  return new UserError({ file: a.file, message: `${pos}${message}` });
}

/** A header as read from an archive: the ustar fields the writer encodes, plus owner names, before pax records apply. */
export interface RawHeader extends UstarFields {
  readonly uname: string;
  readonly gname: string;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes name bytes as UTF-8, refusing invalid sequences (a replacement character would hide the real name). */
export function decodeName(bytes: Uint8Array, at: string | TarAt, what: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw tarError(at, `${what} is not valid UTF-8; kiln would not see the name other tools extract`);
  }
}

/** Reads a NUL-terminated string field (the whole field when it has no NUL, as tar does). */
function readString(b: Buffer, off: number, len: number, at: string | TarAt, what: string): string {
  const end = b.indexOf(0, off);
  return decodeName(b.subarray(off, end === -1 || end > off + len ? off + len : end), at, what);
}

/**
 * Reads an octal field (leading spaces, digits, then NUL/space padding) or a base-256 one (GNU/star,
 * first byte 0x80). Negative base-256 values, other bytes and values past 2^53 are refused.
 */
function readNumber(b: Buffer, off: number, len: number, at: string | TarAt, what: string, blankOk = false): number {
  const bad = (why: string) => tarError(at, `${what} field ${why}: is the file complete and uncorrupted?`);
  const first = b[off] ?? 0;
  if ((first & 0x80) !== 0) {
    if (first !== 0x80) throw bad("is a negative base-256 number");
    let v = 0n;
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(b[off + i] ?? 0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad("holds a number too large to be real");
    return Number(v);
  }
  const text = b.toString("latin1", off, off + len);
  // GNU tar refuses a field without digits; only device numbers may be blank (it reads them for devices only).
  const m = (blankOk ? /^ *([0-7]*)[ \0]*$/ : /^ *([0-7]+)[ \0]*$/).exec(text);
  if (!m) throw bad(`holds ${JSON.stringify(text).replace(/\\u0000/g, "\\0")}, not an octal number`);
  return m[1] ? parseInt(m[1], 8) : 0;
}

/** True when the block is all zeros (an end-of-archive marker). */
export function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** Verifies the header checksum (unsigned sum, or the signed sum some old tars wrote). */
function verifyChecksum(b: Buffer, at: string | TarAt): void {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : (b[i] ?? 0);
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  const text = b.toString("latin1", 148, 156);
  const m = /^ *([0-7]+)[ \0]*$/.exec(text);
  const stored = m?.[1] ? parseInt(m[1], 8) : NaN;
  if (stored !== unsigned && stored !== signed) {
    throw tarError(at, "not a valid tar header (checksum mismatch): is the file complete and uncorrupted?");
  }
}

/**
 * The header's format by its magic: POSIX ustar ("ustar\0", has the 155-byte name prefix), old GNU
 * ("ustar  \0": no prefix, those bytes are atime/ctime/sparse data) or v7 (no owner names either).
 */
function formatOf(b: Buffer, at: string | TarAt): "posix" | "gnu" | "v7" {
  if (b.toString("latin1", 257, 263) === "ustar\0") return "posix";
  if (b.toString("latin1", 257, 265) === "ustar  \0") return "gnu";
  // Any other "ustar…" (e.g. "ustar 00"): GNU tar reads it as v7, bsdtar with the prefix.
  if (b.toString("latin1", 257, 262) === "ustar")
    throw tarError(at, `header magic ${quoteInput(b.toString("latin1", 257, 265))} is neither POSIX nor GNU; tar implementations disagree on its name`);
  return "v7";
}

/** Decodes a 512-byte header block, verifying its checksum and every numeric field. */
export function decodeHeader(b: Buffer, at: string | TarAt): RawHeader {
  verifyChecksum(b, at);
  const format = formatOf(b, at);
  let name = readString(b, 0, 100, at, "name");
  const prefix = format === "posix" ? readString(b, 345, 155, at, "name prefix") : "";
  if (prefix) name = `${prefix}/${name}`;
  const owned = format !== "v7";
  return {
    name,
    typeflag: b[156] || 0x30, // NUL is an old-style regular file
    mode: readNumber(b, 100, 8, at, "mode"),
    uid: readNumber(b, 108, 8, at, "uid"),
    gid: readNumber(b, 116, 8, at, "gid"),
    size: readNumber(b, 124, 12, at, "size"),
    mtime: readNumber(b, 136, 12, at, "mtime"),
    linkname: readString(b, 157, 100, at, "link name"),
    uname: owned ? readString(b, 265, 32, at, "user name") : "",
    gname: owned ? readString(b, 297, 32, at, "group name") : "",
    devMajor: owned ? readNumber(b, 329, 8, at, "device major", true) : 0,
    devMinor: owned ? readNumber(b, 337, 8, at, "device minor", true) : 0,
  };
}

/**
 * Parses pax records ("<len> <key>=<value>\n", len in decimal counting the whole record) into
 * key → raw value bytes (values may be binary, e.g. capabilities). Anything else is refused.
 */
export function parsePax(data: Buffer, at: string | TarAt): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const digits = space === -1 || space - pos > 8 ? "" : data.toString("latin1", pos, space);
    const len = /^[1-9][0-9]*$/.test(digits) ? parseInt(digits, 10) : NaN;
    const eq = Number.isInteger(len) ? data.indexOf(0x3d, space) : -1;
    if (!Number.isInteger(len) || pos + len > data.length || eq === -1 || eq === space + 1 || eq >= pos + len || data[pos + len - 1] !== 0x0a) {
      throw tarError(at, `malformed pax extended header record at byte ${pos} of the header: is the file complete and uncorrupted?`);
    }
    out.set(decodeName(data.subarray(space + 1, eq), at, "a pax key"), data.subarray(eq + 1, pos + len - 1));
    pos += len;
  }
  return out;
}
