// A minimal zip reader for tests: lists a wheel's entries and reads one (stored or deflated).
// Enough for METADATA; no zip64, no encryption, no multi-disk archives.
import { inflateRawSync } from "node:zlib";

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Finds the end-of-central-directory record, which sits in the last 64 KiB + 22 bytes. */
function findEocd(zip: Buffer): number {
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (zip.readUInt32LE(i) === EOCD) return i;
  }
  throw new Error("not a zip file: no end-of-central-directory record");
}

/** Every entry of the central directory, in archive order. */
export function listZip(zip: Buffer): readonly ZipEntry[] {
  const eocd = findEocd(zip);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error(`zip: bad central directory entry at ${at}`);
    const nameLen = zip.readUInt16LE(at + 28);
    entries.push({
      name: zip.toString("utf8", at + 46, at + 46 + nameLen),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      localOffset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLen + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/** The uncompressed bytes of one entry. */
export function readZipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localOffset;
  if (zip.readUInt32LE(at) !== LOCAL) throw new Error(`zip: bad local header for ${entry.name}`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`zip: ${entry.name}: compression method ${entry.method} not supported`);
}

/** The text of a wheel's `*.dist-info/METADATA`. */
export function wheelMetadata(wheel: Buffer): string {
  const entry = listZip(wheel).find((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.name));
  if (!entry) throw new Error("wheel has no .dist-info/METADATA");
  return readZipEntry(wheel, entry).toString("utf8");
}
