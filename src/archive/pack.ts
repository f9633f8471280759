// packTree: writes a tree as a deterministic tar in one pass. One thread walks, reads and hashes
// (each chunk once: file bytes into their file's sha256 and the chunk into the stream's, see
// hasher.ts) and feeds the compressor in small chunks, yielding to the event loop after each so
// the pipe to zstd is refilled while the next chunk is read (as tar's blocking writes would).
import { rm } from "node:fs/promises";
import { ToolError } from "../errors.js";
import { debug } from "../log.js";
import { openSink, type Sink } from "./compress.js";
import { GrowingFileHash, startHasher } from "./hasher.js";
import { planArchive, type ArchivePlan, type PlannedEntry } from "./plan.js";
import { BLOCK, END_OF_ARCHIVE, encodeHeader, padding, writeSimpleHeader, type TarHeader } from "./tar-format.js";
import type { FileSource, IndexEntry, PackOptions, PackResult } from "./types.js";
import { bytesOf } from "../util/thrown.js";

/**
 * Output goes to the compressor in chunks this big: small enough that the thread comes back to the
 * event loop (which writes the pipe) every fraction of a millisecond, large enough to cost nothing.
 */
const CHUNK = 256 << 10;
/** Chunks being written while the next fills: bounded memory (CHUNK × IN_FLIGHT), no lockstep. */
const IN_FLIGHT = 8;
/** Chunks between two catch-ups of the output file's hash (a few reads of compressed bytes each time). */
const CATCH_UP_EVERY = 16;

/** Lets the event loop run once (its poll phase writes queued chunks into the compressor's pipe). */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Accumulates the tar stream in chunks. A full chunk goes to the sink, is hashed while the sink
 * takes it, and is reused once the sink has consumed it.
 */
class TarOut {
  private buf: Buffer = Buffer.alloc(CHUNK);
  private pos = 0;
  /** File data in the current chunk, flat: [file, offset, length, last, ...]. */
  private segments: number[] = [];
  /** The file whose data is being written, or -1. */
  private file = -1;
  private readonly spare: Buffer[] = [];
  private readonly busy: Promise<Buffer>[] = [];
  private readonly hasher = startHasher();
  /** File digests by file number, filled in as their last bytes are hashed. */
  readonly digests: string[] = [];
  size = 0;
  private flushes = 0;

  /** `output` hashes the output file as the sink writes it. */
  constructor(
    private readonly sink: Sink,
    private readonly output: GrowingFileHash,
  ) {}

  /** Hands the filled part of the chunk on, hashes it, and continues in a free one. */
  async flush(): Promise<void> {
    if (this.pos === 0 && this.segments.length === 0) return;
    const chunk = this.buf;
    const full = chunk.subarray(0, this.pos);
    this.size += this.pos;
    const written = this.sink.write(full).then(() => chunk);
    written.catch(() => undefined); // awaited below or in end(); this only keeps it from counting as unhandled
    this.busy.push(written);
    const done = this.hasher.chunk(full, this.segments);
    for (let i = 0; i < done.length; i += 2) this.digests[done[i] as number] = done[i + 1] as string;
    this.buf = this.spare.pop() ?? Buffer.alloc(CHUNK);
    this.pos = 0;
    this.segments = [];
    if (++this.flushes % CATCH_UP_EVERY === 0) this.output.catchUp();
    await yieldToLoop();
    const oldest = this.busy.length >= IN_FLIGHT ? this.busy.shift() : undefined;
    if (oldest) this.spare.push(await oldest);
  }
  /** True when `n` contiguous bytes are free at the current position (else flush() first). */
  fits(n: number): boolean {
    return this.buf.length - this.pos >= n;
  }

  /** A writable window of up to `max` bytes at the current position; empty when the chunk is full. */
  window(max: number): Buffer {
    return this.buf.subarray(this.pos, this.pos + Math.min(max, this.buf.length - this.pos));
  }

  /** Marks `n` bytes of the last window as written (as data of the current file, if any). */
  advance(n: number): void {
    if (this.file >= 0 && n > 0) this.segments.push(this.file, this.pos, n, 0);
    this.pos += n;
  }

  /** Copies bytes into the stream. */
  async put(bytes: Uint8Array): Promise<void> {
    for (let off = 0; off < bytes.length; ) {
      if (!this.fits(1)) await this.flush();
      const w = this.window(bytes.length - off);
      w.set(bytes.subarray(off, off + w.length));
      this.advance(w.length);
      off += w.length;
    }
  }

  /** Starts the data of file number `n`: bytes written until endFile() are hashed as its contents. */
  beginFile(n: number): void {
    this.file = n;
  }

  /** Ends the current file's data (a zero-length segment marks it complete for the hash worker). */
  endFile(): void {
    this.segments.push(this.file, this.pos, 0, 1);
    this.file = -1;
  }

  /**
   * Writes a plain-ustar header straight into the chunk and returns true; returns false when the
   * header needs pax records or the chunk has no room (then use put(encodeHeader(h)) or flush()).
   * Synchronous on purpose: tens of thousands of entries, and an await costs more than the header.
   */
  simpleHeader(h: TarHeader): boolean {
    if (!this.fits(BLOCK) || !writeSimpleHeader(this.buf, this.pos, h)) return false;
    this.advance(BLOCK);
    return true;
  }

  /** Zero bytes up to the next block boundary after `size` bytes of data; false if no room. */
  pad(size: number): boolean {
    const n = padding(size);
    if (!this.fits(n)) return false;
    this.buf.fill(0, this.pos, this.pos + n);
    this.advance(n);
    return true;
  }

  /** Flushes the rest, waits until the sink has every chunk, returns the stream digest. */
  async end(): Promise<string> {
    await this.flush();
    await Promise.all(this.busy.splice(0));
    return this.hasher.finish();
  }
}

/** Error for a file whose size changed between the walk and the read. */
function changed(path: string, expected: number, got: string): ToolError {
  return new ToolError(`${path}: changed while packing (lstat said ${expected} bytes, ${got}): pack a tree that nothing is writing to`);
}

/** Copies a file with the source's synchronous reads, straight into the output chunk. */
async function copySync(out: TarOut, read: NonNullable<FileSource["readSync"]>, path: string, size: number): Promise<void> {
  for (let done = 0; done < size; ) {
    if (!out.fits(1)) await out.flush();
    const w = out.window(size - done);
    const n = read(path, w, done);
    if (n < w.length) throw changed(path, size, `read ended at ${done + n}`);
    out.advance(n);
    done += n;
  }
}

/** Copies a file through the source's stream. */
async function copyStream(out: TarOut, source: FileSource, path: string, size: number): Promise<void> {
  let total = 0;
  for await (const chunk of source.open(path)) {
    const b = bytesOf(chunk);
    total += b.length;
    if (total > size) throw changed(path, size, "it has grown");
    await out.put(b);
  }
  if (total !== size) throw changed(path, size, `read ${total}`);
}

/** Writes an entry's header: in place when it is plain ustar, else through a pax encoding. */
async function writeHeader(out: TarOut, h: TarHeader): Promise<void> {
  if (out.simpleHeader(h)) return;
  if (!out.fits(BLOCK)) await out.flush();
  if (!out.simpleHeader(h)) await out.put(encodeHeader(h));
}

/** How file contents are read: the source's synchronous fast path (bound once), else its streams. */
interface Reader {
  readonly source: FileSource;
  readonly readSync?: NonNullable<FileSource["readSync"]>;
}

/** Writes entry number `n` (header, data, padding). */
async function writeEntry(out: TarOut, reader: Reader, p: PlannedEntry, n: number): Promise<void> {
  await writeHeader(out, p.header);
  if (p.source === undefined) return;
  out.beginFile(n);
  if (reader.readSync) await copySync(out, reader.readSync, p.source, p.header.size);
  else await copyStream(out, reader.source, p.source, p.header.size);
  out.endFile();
  if (!out.pad(p.header.size)) {
    await out.flush();
    out.pad(p.header.size);
  }
}

/**
 * Writes an entry synchronously when it fits the current chunk whole (a plain-ustar header, and for
 * files the data and padding, read with the source's readSync) and returns true; else writes
 * nothing and returns false. A rootfs is mostly small files: awaiting each one costs more than it.
 */
function writeInPlace(out: TarOut, reader: Reader, p: PlannedEntry, n: number): boolean {
  const size = p.header.size;
  if (p.source === undefined) return out.simpleHeader(p.header);
  if (!reader.readSync || !out.fits(BLOCK + size + padding(size)) || !out.simpleHeader(p.header)) return false;
  out.beginFile(n);
  const w = out.window(size);
  const got = size === 0 ? 0 : reader.readSync(p.source, w, 0);
  if (got < size) throw changed(p.source, size, `read ended at ${got}`);
  out.advance(size);
  out.endFile();
  out.pad(size);
  return true;
}

/** The index line of a written entry: contents digest for files, link target for links. */
function indexEntry(p: PlannedEntry, digest: string | undefined): IndexEntry {
  const h = p.header;
  if (p.source !== undefined && digest === undefined) throw new Error(`internal: no digest for ${p.path}`);
  return { path: p.path, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, size: h.size, digest: digest ?? h.linkname ?? "" };
}

/**
 * Packs `source` into `opts.out`. The image id is the sha256 of the uncompressed tar stream, so it
 * does not depend on the compression settings.
 */
export async function packTree(source: FileSource, opts: PackOptions): Promise<PackResult> {
  const t0 = performance.now();
  // The compressor starts while the tree is walked; the output file exists once openSink returns.
  const sink = openSink(opts.compression, opts.out);
  let output: GrowingFileHash;
  try {
    output = new GrowingFileHash(opts.out);
  } catch (e) {
    await sink.abort();
    throw e;
  }
  const out = new TarOut(sink, output);
  const reader: Reader = { source, readSync: source.readSync?.bind(source) };
  let digest: string;
  let fileSha256: string;
  let plan: ArchivePlan;
  let index: IndexEntry[];
  try {
    const [entries, root] = await Promise.all([source.entries(), source.root?.()]);
    plan = planArchive({ root, entries, epoch: opts.epoch, bare: opts.bare });
    debug(`pack: planned ${plan.entries.length} entries in ${(performance.now() - t0).toFixed(0)} ms`);
    for (const [i, p] of plan.entries.entries()) {
      // Most entries fit the current chunk whole and need no await; the rest take the general path.
      if (!writeInPlace(out, reader, p, i)) await writeEntry(out, reader, p, i);
    }
    await out.put(END_OF_ARCHIVE);
    digest = await out.end();
    // Built while zstd compresses what it still holds, rather than after it exits.
    index = plan.entries.map((p, i) => indexEntry(p, out.digests[i]));
    await sink.end();
    fileSha256 = await output.finish();
  } catch (e) {
    await output.close();
    await sink.abort();
    await rm(opts.out, { force: true });
    throw e;
  }
  debug(`pack: wrote ${out.size} bytes in ${(performance.now() - t0).toFixed(0)} ms`);
  return { id: `sha256:${digest}`, tarSize: out.size, fileSha256, fileSize: output.size, entries: plan.entries.length, skipped: plan.skipped, index };
}
