// packTree: writes a tree as a deterministic tar in one pass, hashing the uncompressed stream (the
// image id) and every file's contents (the index) on the way, while the compressor runs beside it.
import { createHash, type Hash } from "node:crypto";
import { rm, stat } from "node:fs/promises";
import { ToolError } from "../errors.js";
import { debug } from "../log.js";
import { sha256File } from "../util/hash.js";
import { openSink, type Sink } from "./compress.js";
import { sharedBuffer, streamHasher } from "./stream-hash.js";
import { planArchive, type PlannedEntry } from "./plan.js";
import { BLOCK, END_OF_ARCHIVE, encodeHeader, padding, writeSimpleHeader, type TarHeader } from "./tar-format.js";
import type { FileSource, IndexEntry, PackOptions, PackResult } from "./types.js";

/** Output is handed to the compressor (and the stream hash) in chunks this big: few writes. */
const CHUNK = 4 << 20;
/** Chunks being written and hashed while the next fills: bounded memory, no waiting in lockstep. */
const IN_FLIGHT = 3;

/**
 * Accumulates the tar stream into large shared-memory chunks; each full chunk goes to the sink and
 * to the hashing worker at once, and is recycled when both are done with it.
 */
class TarOut {
  private buf: Buffer = sharedBuffer(CHUNK);
  private pos = 0;
  private readonly spare: Buffer[] = [];
  private readonly busy: Promise<Buffer>[] = [];
  readonly hasher = streamHasher();
  size = 0;

  constructor(private readonly sink: Sink) {}

  /** Hands the filled part of the chunk on and continues in a free one. */
  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const chunk = this.buf;
    const full = chunk.subarray(0, this.pos);
    this.size += this.pos;
    const done = Promise.all([this.hasher.update(full), this.sink.write(full)]).then(() => chunk);
    done.catch(() => undefined); // awaited below or in end(); this only keeps it from counting as unhandled
    this.busy.push(done);
    this.buf = this.spare.pop() ?? sharedBuffer(CHUNK);
    this.pos = 0;
    if (this.busy.length >= IN_FLIGHT) this.spare.push(await (this.busy.shift() as Promise<Buffer>));
  }

  /** Makes sure `n` (≤ CHUNK) contiguous bytes are free at the current position. */
  async reserve(n: number): Promise<void> {
    if (this.buf.length - this.pos < n) await this.flush();
  }

  /** A writable window of up to `max` bytes at the current position (at least 1). */
  async window(max: number): Promise<Buffer> {
    await this.reserve(1);
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

  /** Writes an entry header, straight into the chunk when it is plain ustar. */
  async header(h: TarHeader): Promise<void> {
    await this.reserve(BLOCK);
    if (writeSimpleHeader(this.buf, this.pos, h)) this.advance(BLOCK);
    else await this.put(encodeHeader(h));
  }

  /** Zero bytes up to the next block boundary after `size` bytes of data. */
  async pad(size: number): Promise<void> {
    const n = padding(size);
    await this.reserve(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.advance(n);
  }

  /** Flushes the rest, waits until the sink has taken every chunk, and returns the stream's digest. */
  async end(): Promise<string> {
    await this.flush();
    await Promise.all(this.busy.splice(0));
    return this.hasher.digest();
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
  await out.header(h);
  let digest = h.linkname ?? "";
  if (p.source !== undefined) {
    const fileHash = createHash("sha256");
    if (source.readSync) await copySync(out, source.readSync.bind(source), p.source, h.size, fileHash);
    else await copyStream(out, source, p.source, h.size, fileHash);
    await out.pad(h.size);
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
  let digest: string;
  try {
    for (const p of plan.entries) index.push(await writeEntry(out, source, p));
    await out.put(END_OF_ARCHIVE);
    digest = await out.end();
    await sink.end();
  } catch (e) {
    sink.abort();
    out.hasher.close();
    await rm(opts.out, { force: true });
    throw e;
  }
  debug(`pack: wrote ${out.size} bytes in ${(performance.now() - t0).toFixed(0)} ms`);
  const [fileSha256, st] = await Promise.all([sha256File(opts.out), stat(opts.out)]);
  return { id: `sha256:${digest}`, tarSize: out.size, fileSha256, fileSize: st.size, entries: plan.entries.length, skipped: plan.skipped, index };
}
