// A tiny zip writer for tests: stored or deflated entries, optionally with zip64 end records, so
// the zip reader is tested on archives built here rather than on committed binaries.
import { crc32, deflateRawSync } from "node:zlib";

export interface TestEntry {
  readonly name: string;
  readonly data: string | Buffer;
  /** 0 = stored, 8 = deflated. */
  readonly method?: 0 | 8;
}

/** Little-endian fields into a buffer: [bytes, value] pairs. */
function fields(parts: readonly (readonly [2 | 4 | 8, number])[]): Buffer {
  const buf = Buffer.alloc(parts.reduce((n, [w]) => n + w, 0));
  let at = 0;
  for (const [w, v] of parts) {
    if (w === 2) buf.writeUInt16LE(v, at);
    else if (w === 4) buf.writeUInt32LE(v >>> 0, at);
    else buf.writeBigUInt64LE(BigInt(v), at);
    at += w;
  }
  return buf;
}

/** Builds a zip archive; `zip64` writes the zip64 end record and locator (with 0xFFFF/0xFFFFFFFF in the classic record). */
export function makeZip(entries: readonly TestEntry[], opts: { zip64?: boolean; comment?: string } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    const method = e.method ?? 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(e.name);
    const crc = crc32(data);
    const common: (readonly [2 | 4, number])[] = [
      [2, 20],
      [2, 0x0800],
      [2, method],
      [2, 0],
      [2, 0x21],
      [4, crc],
      [4, body.length],
      [4, data.length],
      [2, name.length],
      [2, 0],
    ];
    const local = Buffer.concat([fields([[4, 0x04034b50], ...common]), name, body]);
    centrals.push(Buffer.concat([fields([[4, 0x02014b50], [2, 0x031e], ...common, [2, 0], [2, 0], [2, 0], [4, 0], [4, offset]]), name]));
    locals.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(centrals);
  const comment = Buffer.from(opts.comment ?? "");
  const n = entries.length;
  const tail: Buffer[] = [];
  if (opts.zip64) {
    const rec = offset + cd.length;
    tail.push(
      fields([
        [4, 0x06064b50],
        [8, 44],
        [2, 45],
        [2, 45],
        [4, 0],
        [4, 0],
        [8, n],
        [8, n],
        [8, cd.length],
        [8, offset],
      ]),
    );
    tail.push(
      fields([
        [4, 0x07064b50],
        [4, 0],
        [8, rec],
        [4, 1],
      ]),
    );
  }
  tail.push(
    fields([
      [4, 0x06054b50],
      [2, 0],
      [2, 0],
      [2, opts.zip64 ? 0xffff : n],
      [2, opts.zip64 ? 0xffff : n],
      [4, cd.length],
      [4, opts.zip64 ? 0xffffffff : offset],
      [2, comment.length],
    ]),
    comment,
  );
  return Buffer.concat([...locals, cd, ...tail]);
}
