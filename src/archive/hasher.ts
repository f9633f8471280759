// Hashing of the tar stream as it is written, in ONE pass over each chunk: the bytes of every file go
// into that file's sha256 (the index) and the whole chunk into the stream's sha256 (the image id).
// It runs in a worker thread on chunks in shared memory (no copy), so the writing thread reads the
// next files while the last chunk is hashed. The worker's code is inline (eval) so that it loads the
// same way from dist/ and from the TypeScript sources the unit tests run.
import { Worker } from "node:worker_threads";

/** The hasher of one pack. */
export interface StreamHasher {
  /**
   * Hashes `length` bytes of a chunk in shared memory: all into the stream hash, and the file
   * `segments`, flat [file, offset, length, last, ...] with offsets into the chunk, into the file
   * hashes (a file may span chunks: its hash carries over until the segment marked last). Resolves,
   * once the chunk may be reused, with the files completed in it as [file, hex, ...]. Chunks are
   * hashed in the order given.
   */
  chunk(bytes: Uint8Array<SharedArrayBuffer>, length: number, segments: readonly number[]): Promise<(number | string)[]>;
  /** The stream's hex digest (after every chunk); ends the worker. */
  finish(): Promise<string>;
  /** Ends the worker without a digest (after a failure). */
  stop(): Promise<void>;
}

/** The worker: one message per chunk, answered in order with the completed files; "finish" answers the stream digest. */
const WORKER = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const stream = createHash("sha256");
let current;
parentPort.on("message", (m) => {
  if (m.finish) return parentPort.postMessage({ digest: stream.digest("hex") });
  const bytes = new Uint8Array(m.buffer, m.offset, m.length);
  const s = m.segments;
  const done = [];
  for (let i = 0; i < s.length; i += 4) {
    current ??= createHash("sha256");
    if (s[i + 2] > 0) current.update(bytes.subarray(s[i + 1], s[i + 1] + s[i + 2]));
    if (s[i + 3] === 1) {
      done.push(s[i], current.digest("hex"));
      current = undefined;
    }
  }
  stream.update(bytes);
  parentPort.postMessage({ done });
});
`;

/** A shared-memory chunk of `size` bytes, for StreamHasher.chunk. */
export function sharedChunk(size: number): Buffer<SharedArrayBuffer> {
  return Buffer.from(new SharedArrayBuffer(size));
}

/** Starts the hashes of one tar stream in a worker thread. */
export function startHasher(): StreamHasher {
  const worker = new Worker(WORKER, { eval: true });
  // Replies come in request order: each pending request takes the next one.
  const pending: { resolve: (m: { done?: (number | string)[]; digest?: string }) => void; reject: (e: Error) => void }[] = [];
  worker.on("message", (m: { done?: (number | string)[]; digest?: string }) => pending.shift()?.resolve(m));
  const fail = (e: Error) => {
    for (const p of pending.splice(0)) p.reject(e);
  };
  worker.on("error", fail);
  worker.on("exit", () => fail(new Error("internal: the hashing worker ended early")));
  const ask = (msg: object) =>
    new Promise<{ done?: (number | string)[]; digest?: string }>((resolve, reject) => {
      pending.push({ resolve, reject });
      worker.postMessage(msg);
    });
  return {
    chunk: async (bytes, length, segments) => (await ask({ buffer: bytes.buffer, length, segments: segments.slice(), offset: bytes.byteOffset })).done ?? [],
    finish: async () => {
      const { digest } = await ask({ finish: true });
      await worker.terminate();
      return digest ?? "";
    },
    stop: async () => {
      await worker.terminate();
    },
  };
}
