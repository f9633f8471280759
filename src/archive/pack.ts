// packTree: writes a tree as a deterministic tar in one pass, hashing the uncompressed stream (the
// image id) and every file's contents (the index) on the way, while the compressor runs beside it.
import { createHash, type Hash } from "node:crypto";
import { rm, stat } from "node:fs/promises";
import { ToolError } from "../errors.js";
import { debug } from "../log.js";
import { sha256File } from "../util/hash.js";
import { openSink, type Sink } from "./compress.js";
import { planArchive, type PlannedEntry } from "./plan.js";
import { END_OF_ARCHIVE, encodeHeader, padding } from "./tar-format.js";
import type { FileSource, IndexEntry, PackOptions, PackResult } from "./types.js";

/** Output is handed to the compressor in chunks this big: few writes, few hash calls. */
const CHUNK = 4 << 20;
const ZEROS = Buffer.alloc(512);

/** Accumulates the tar stream into large chunks, hashing each and writing it to the sink. */
class TarOut {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  readonly hash = createHash("sha256");
  size = 0;

  constructor(private readonly sink: Sink) {}

  /** Hands the filled part of the chunk on and starts a new one (the sink may still hold the old). */
  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const full = this.buf.subarray(0, this.pos);
    this.hash.update(full);
    this.size += this.pos;
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
    await this.sink.write(full);
  }

  /** A writable window of up to `max` bytes at the current position, flushing first if full. */
  async window(max: number): Promise<Buffer> {
    if (this.pos === this.buf.length) await this.flush();
    return this.buf.subarray(this.pos, this.pos + Math.min(max, this.buf.length - this.pos));
  }

  /** Marks `n` bytes of the last window as written. */
  advance(n: number): void {
    this.pos += n;
  }

  /** Copies bytes into the stream. */
  async put(bytes: Uint8Array): Promise<void> {
    for (let off = 0; off < bytes.length; ) {
      const w = await this.window(bytes.length - off);
      w.set(bytes.subarray(off, off + w.length));
      this.advance(w.length);
      off += w.length;
    }
  }
}

/** Error for a file whose size changed between the walk and the read. */
function changed(path: string, expected: number, got: string): ToolError {
  return new ToolError(`${path}: changed while packing (lstat said ${expected} bytes, ${got}): pack a tree that nothing is writing to`);
}

/** Copies a file with the source's synchronous reads, straight into the output chunk. */
async function copySync(out: TarOut, read: NonNullable<FileSource["readSync"]>, path: string, size: number, h: Hash): Promise<void> {
  for (let done = 0; done < size; ) {
    const w = await out.window(size - done);
    const n = read(path, w, done);
    if (n < w.length) throw changed(path, size, `read ended at ${done + n}`);
    h.update(w);
    out.advance(n);
    done += n;
  }
}

/** Copies a file through the source's stream. */
async function copyStream(out: TarOut, source: FileSource, path: string, size: number, h: Hash): Promise<void> {
  let total = 0;
  for await (const chunk of source.open(path)) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > size) throw changed(path, size, "it has grown");
    h.update(b);
    await out.put(b);
  }
  if (total !== size) throw changed(path, size, `read ${total}`);
}

/** Writes one planned entry (header, data, padding) and returns its index line. */
async function writeEntry(out: TarOut, source: FileSource, p: PlannedEntry): Promise<IndexEntry> {
  const h = p.header;
  await out.put(encodeHeader(h));
  let digest = h.linkname ?? "";
  if (p.source !== undefined) {
    const fileHash = createHash("sha256");
    if (source.readSync) await copySync(out, source.readSync.bind(source), p.source, h.size, fileHash);
    else await copyStream(out, source, p.source, h.size, fileHash);
    await out.put(ZEROS.subarray(0, padding(h.size)));
    digest = fileHash.digest("hex");
  }
  return { path: p.path, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, size: h.size, digest };
}

/**
 * Packs `source` into `opts.out`. The image id is the sha256 of the uncompressed tar stream, so it
 * does not depend on the compression settings.
 */
export async function packTree(source: FileSource, opts: PackOptions): Promise<PackResult> {
  const t0 = performance.now();
  const [entries, root] = await Promise.all([source.entries(), source.root?.()]);
  const plan = planArchive({ root, entries, epoch: opts.epoch });
  debug(`pack: planned ${plan.entries.length} entries in ${(performance.now() - t0).toFixed(0)} ms`);
  const sink = openSink(opts.compression, opts.out);
  const out = new TarOut(sink);
  const index: IndexEntry[] = [];
  try {
    for (const p of plan.entries) index.push(await writeEntry(out, source, p));
    await out.put(END_OF_ARCHIVE);
    await out.flush();
    await sink.end();
  } catch (e) {
    sink.abort();
    await rm(opts.out, { force: true });
    throw e;
  }
  debug(`pack: wrote ${out.size} bytes in ${(performance.now() - t0).toFixed(0)} ms`);
  const [fileSha256, st] = await Promise.all([sha256File(opts.out), stat(opts.out)]);
  return { id: `sha256:${out.hash.digest("hex")}`, tarSize: out.size, fileSha256, fileSize: st.size, entries: plan.entries.length, skipped: plan.skipped, index };
}
