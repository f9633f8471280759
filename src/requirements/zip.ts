// A small zip reader (central directory, stored and deflated entries, zip64 sizes): enough to read
// a wheel's METADATA without unpacking it or adding a dependency.
import { crc32, inflateRawSync } from "node:zlib";

/** Thrown for bytes that are not a zip archive we can read. */
export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipError";
  }
}

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  /** Offset of the entry's local header. */
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

/** Reads a 64-bit little-endian size as a number, refusing what a number cannot hold exactly. */
function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError("zip64 field too large");
  return Number(v);
}

/** Throws unless [at, at+len) lies inside the buffer. */
function need(buf: Buffer, at: number, len: number, what: string): void {
  if (at < 0 || at + len > buf.length) throw new ZipError(`truncated zip: ${what} at offset ${at} is past the end`);
}

/** Finds the central directory: its offset and entry count (zip64-aware). */
function findCentralDirectory(buf: Buffer): { offset: number; count: number } {
  // The end record is 22 bytes plus a comment of up to 65535 bytes, so it is near the end.
  for (let at = buf.length - 22; at >= Math.max(0, buf.length - 22 - 0xffff); at--) {
    if (buf.readUInt32LE(at) !== EOCD) continue;
    let count = buf.readUInt16LE(at + 10);
    let offset = buf.readUInt32LE(at + 16);
    if ((count === 0xffff || offset === MAX32) && at >= 20 && buf.readUInt32LE(at - 20) === ZIP64_LOCATOR) {
      const rec = u64(buf, at - 12);
      need(buf, rec, 56, "zip64 end record");
      if (buf.readUInt32LE(rec) !== ZIP64_EOCD) throw new ZipError("bad zip64 end record");
      count = u64(buf, rec + 32);
      offset = u64(buf, rec + 48);
    }
    return { offset, count };
  }
  throw new ZipError("not a zip file (no end-of-central-directory record)");
}

/** Applies a zip64 extra field to sizes/offset stored as 0xFFFFFFFF. */
function zip64Extra(extra: Buffer, e: { size: number; compressedSize: number; localOffset: number }): void {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const len = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let p = at + 4;
      for (const key of ["size", "compressedSize", "localOffset"] as const) {
        if (e[key] === MAX32 && p + 8 <= at + 4 + len) {
          e[key] = u64(extra, p);
          p += 8;
        }
      }
    }
    at += 4 + len;
  }
}

/** Lists the entries of a zip archive from its central directory. */
export function listZip(buf: Buffer): ZipEntry[] {
  const { offset, count } = findCentralDirectory(buf);
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    need(buf, at, 46, "central directory entry");
    if (buf.readUInt32LE(at) !== CENTRAL) throw new ZipError(`bad central directory entry ${i}`);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    need(buf, at + 46, nameLen + extraLen, "entry name");
    const e = {
      name: buf.toString("utf8", at + 46, at + 46 + nameLen),
      method: buf.readUInt16LE(at + 10),
      crc32: buf.readUInt32LE(at + 16),
      compressedSize: buf.readUInt32LE(at + 20),
      size: buf.readUInt32LE(at + 24),
      localOffset: buf.readUInt32LE(at + 42),
    };
    zip64Extra(buf.subarray(at + 46 + nameLen, at + 46 + nameLen + extraLen), e);
    entries.push(e);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Reads and checks (size, CRC-32) one entry's contents. */
export function readZipEntry(buf: Buffer, e: ZipEntry): Buffer {
  need(buf, e.localOffset, 30, `local header of ${e.name}`);
  if (buf.readUInt32LE(e.localOffset) !== LOCAL) throw new ZipError(`bad local header for ${e.name}`);
  const start = e.localOffset + 30 + buf.readUInt16LE(e.localOffset + 26) + buf.readUInt16LE(e.localOffset + 28);
  need(buf, start, e.compressedSize, `data of ${e.name}`);
  const raw = buf.subarray(start, start + e.compressedSize);
  let data: Buffer;
  if (e.method === 0) data = raw;
  else if (e.method === 8) {
    try {
      data = inflateRawSync(raw);
    } catch (err) {
      throw new ZipError(`cannot inflate ${e.name}: ${(err as Error).message}`);
    }
  } else throw new ZipError(`${e.name} uses compression method ${e.method}; only stored (0) and deflate (8) are supported`);
  if (data.length !== e.size) throw new ZipError(`${e.name}: size ${data.length} does not match the directory's ${e.size}`);
  if (crc32(data) >>> 0 !== e.crc32) throw new ZipError(`${e.name}: CRC-32 mismatch (corrupt archive)`);
  return data;
}
