// Hashing of the tar stream as it is written, in ONE pass over each chunk: the bytes of every file go
// into that file's sha256 (the index) and the whole chunk into the stream's sha256 (the image id).
// It runs on the writing thread: a worker thread costs a V8 isolate (~20 MB, ~0.1 s CPU to start)
// and, on the 2-core machines kiln packs on, zstd already has the other core.
import { createHash, type Hash } from "node:crypto";
import { closeSync, fdatasync, openSync, readSync } from "node:fs";

/** The hasher of one pack. */
export interface StreamHasher {
  /**
   * Hashes a chunk: all of `bytes` into the stream hash, and the file `segments`, flat
   * [file, offset, length, last, ...] with offsets into `bytes`, into the file hashes (a file may
   * span chunks: its hash carries over until the segment marked last). Returns the files completed
   * in it as [file, hex, ...].
   */
  chunk(bytes: Uint8Array, segments: readonly number[]): (number | string)[];
  /** The stream's hex digest. */
  finish(): string;
}

/** Starts the hashes of one tar stream. */
export function startHasher(): StreamHasher {
  const stream = createHash("sha256");
  let current: Hash | undefined;
  return {
    chunk: (bytes, s) => {
      const done: (number | string)[] = [];
      for (let i = 0; i < s.length; i += 4) {
        const [file, offset, length, last] = [s[i] as number, s[i + 1] as number, s[i + 2] as number, s[i + 3] as number];
        current ??= createHash("sha256");
        if (length > 0) current.update(bytes.subarray(offset, offset + length));
        if (last === 1) {
          done.push(file, current.digest("hex"));
          current = undefined;
        }
      }
      stream.update(bytes);
      return done;
    },
    finish: () => stream.digest("hex"),
  };
}

/** Output bytes between two flushes to disk while the file grows. */
const WRITEBACK_EVERY = 32 << 20;

/**
 * sha256 of a file another process is appending to (the compressor writing the template): catchUp()
 * hashes what has been written since the last call, so the hash is done when the writer is, instead
 * of a second pass over the whole file after it. Safe because the writer only appends and a read
 * never returns bytes beyond the file's size, which grows only once the bytes before it are in.
 * It also flushes the file to disk as it grows (an fdatasync per 32 MB, one at a time), so the
 * store's fsync of the finished template has little left to write.
 */
export class GrowingFileHash {
  private readonly hash = createHash("sha256");
  private readonly buf = Buffer.allocUnsafe(256 << 10);
  private fd: number | undefined;
  /** The flush to disk in flight, if any (the descriptor stays open until it is done). */
  private syncing: Promise<void> | undefined;
  private syncedTo = 0;
  /** Bytes hashed so far. */
  size = 0;

  constructor(path: string) {
    this.fd = openSync(path, "r");
  }

  /** Hashes the bytes appended since the last call. */
  catchUp(): void {
    const fd = this.fd;
    if (fd === undefined) throw new Error("internal: GrowingFileHash used after close");
    for (let n = readSync(fd, this.buf, 0, this.buf.length, this.size); n > 0; n = readSync(fd, this.buf, 0, this.buf.length, this.size)) {
      this.hash.update(this.buf.subarray(0, n));
      this.size += n;
    }
    if (this.syncing === undefined && this.size - this.syncedTo >= WRITEBACK_EVERY) {
      const to = this.size;
      // Best effort: the store's own fsync of the finished file is the one that must succeed.
      this.syncing = new Promise<void>((resolve) => fdatasync(fd, () => resolve())).then(() => {
        this.syncing = undefined;
        this.syncedTo = to;
      });
    }
  }

  /** Once the writer has finished: hashes the rest, closes the file, returns the hex digest. */
  async finish(): Promise<string> {
    this.catchUp();
    await this.close();
    return this.hash.digest("hex");
  }

  /** Closes the file once no flush uses it (idempotent). */
  async close(): Promise<void> {
    await this.syncing;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
