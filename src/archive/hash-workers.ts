// Hashing runs in two worker threads, off the thread that reads files and feeds the compressor:
// one hashes the whole stream (the image id), one hashes each file's bytes (the index). SHA-256 is
// the largest cost of packing after compression; this way the main thread keeps the compressor fed
// as tar would, and the hashes run beside it. Chunks live in shared memory: nothing is copied.
import { Worker } from "node:worker_threads";
import { ToolError } from "../errors.js";

/** Stream hasher (inline source: no separate file to find from src/ under tests or from dist/). */
const STREAM_WORKER = `
const { parentPort } = require("node:worker_threads");
const hash = require("node:crypto").createHash("sha256");
parentPort.on("message", (m) => {
  if (m.sab) hash.update(new Uint8Array(m.sab, m.offset, m.length));
  parentPort.postMessage({ id: m.id, result: m.sab ? null : hash.digest("hex") });
});
`;

/**
 * File hasher: `segments` is flat [file, offset, length, last, ...]; a file may span chunks, so its
 * hash carries over between messages until the segment marked last, whose digest is returned.
 */
const FILE_WORKER = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
let current = null;
parentPort.on("message", (m) => {
  const s = m.segments;
  const digests = [];
  for (let i = 0; i < s.length; i += 4) {
    current = current || createHash("sha256");
    if (s[i + 2] > 0) current.update(new Uint8Array(m.sab, s[i + 1], s[i + 2]));
    if (s[i + 3] === 1) {
      digests.push(s[i], current.digest("hex"));
      current = null;
    }
  }
  parentPort.postMessage({ id: m.id, result: digests });
});
`;

/** Request/response over a worker thread, in order. */
interface Rpc {
  call(msg: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts a worker from inline source; every failure rejects all outstanding calls with a ToolError. */
function startWorker(source: string): Rpc {
  const worker = new Worker(source, { eval: true });
  const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failure: Error | undefined;
  const failAll = (e: Error): void => {
    failure ??= new ToolError(`hashing worker failed: ${e.message}`, { cause: e });
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  worker.on("message", (m: { id: number; result: unknown }) => {
    pending.get(m.id)?.resolve(m.result);
    pending.delete(m.id);
  });
  worker.on("error", failAll);
  worker.on("exit", (code) => failAll(new Error(`exited with code ${code}`)));
  return {
    call: (msg) => {
      if (failure) return Promise.reject(failure);
      const id = next++;
      const done = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
      worker.postMessage({ id, ...msg });
      return done;
    },
    close: async () => {
      failure ??= new ToolError("hashing worker stopped");
      await worker.terminate();
    },
  };
}

/** A Buffer in shared memory, which the hashing workers read without a copy. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

/** The shared memory behind `bytes` (which must be a sharedBuffer or a slice of one). */
function sab(bytes: Buffer): SharedArrayBuffer {
  if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new TypeError("hashing: bytes must live in a SharedArrayBuffer");
  return bytes.buffer;
}

/** The two hashing workers of one pack. */
export interface Hashers {
  /**
   * Hashes a chunk: all of `bytes` into the stream hash, and the file `segments` (offsets relative
   * to `bytes`) into the file hashes. Resolves with the files completed in it as [file, hex, ...],
   * once both workers are done with the chunk (it may then be overwritten).
   */
  chunk(bytes: Buffer, segments: readonly number[]): Promise<readonly (number | string)[]>;
  /** The stream's hex digest; stops the workers. */
  finish(): Promise<string>;
  /** Stops the workers after a failure elsewhere. */
  close(): void;
}

/** Starts the stream and file hashing workers. */
export function startHashers(): Hashers {
  const stream = startWorker(STREAM_WORKER);
  const files = startWorker(FILE_WORKER);
  return {
    chunk: async (bytes, segments) => {
      const shared = sab(bytes);
      const base = bytes.byteOffset;
      const shifted = segments.map((v, i) => (i % 4 === 1 ? v + base : v));
      const [, digests] = await Promise.all([stream.call({ sab: shared, offset: base, length: bytes.length }), files.call({ sab: shared, segments: shifted })]);
      return digests as (number | string)[];
    },
    finish: async () => {
      const digest = (await stream.call({})) as string;
      await Promise.all([stream.close(), files.close()]);
      return digest;
    },
    close: () => {
      void stream.close();
      void files.close();
    },
  };
}
