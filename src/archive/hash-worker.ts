// Hashing runs in a worker thread, off the thread that reads files and feeds the compressor: it
// hashes the whole stream (the image id) and each file's bytes (the index). SHA-256 is the largest
// cost of packing after compression; this way the main thread keeps the compressor fed as tar
// would, and the hashes run beside it. Chunks live in shared memory: nothing is copied. One worker
// is enough: it needs less time than the main thread, and each worker costs a V8 isolate to start.
import { Worker } from "node:worker_threads";
import { ToolError } from "../errors.js";

/**
 * The worker (inline source: no separate file to find from src/ under tests or from dist/). Per
 * chunk: the file `segments`, flat [file, offset, length, last, ...] — a file may span chunks, so
 * its hash carries over until the segment marked last — then the whole chunk into the stream hash.
 * A message without a chunk asks for the stream digest.
 */
const WORKER = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const stream = createHash("sha256");
let current = null;
parentPort.on("message", (m) => {
  if (!m.sab) return parentPort.postMessage({ id: m.id, result: stream.digest("hex") });
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
  stream.update(new Uint8Array(m.sab, m.offset, m.length));
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

/** A Buffer in shared memory, which the hashing worker reads without a copy. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

/** The shared memory behind `bytes` (which must be a sharedBuffer or a slice of one). */
function sab(bytes: Buffer): SharedArrayBuffer {
  if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new TypeError("hashing: bytes must live in a SharedArrayBuffer");
  return bytes.buffer;
}

/** The hashing worker of one pack. */
export interface HashWorker {
  /**
   * Hashes a chunk: all of `bytes` into the stream hash, and the file `segments` (offsets relative
   * to `bytes`) into the file hashes. Resolves with the files completed in it as [file, hex, ...],
   * once the worker is done with the chunk (it may then be overwritten).
   */
  chunk(bytes: Buffer, segments: readonly number[]): Promise<readonly (number | string)[]>;
  /** The stream's hex digest; stops the worker. */
  finish(): Promise<string>;
  /** Stops the worker after a failure elsewhere. */
  close(): void;
}

/** Starts the hashing worker. */
export function startHashWorker(): HashWorker {
  const worker = startWorker(WORKER);
  return {
    chunk: async (bytes, segments) => {
      const base = bytes.byteOffset;
      const shifted = segments.map((v, i) => (i % 4 === 1 ? v + base : v));
      return (await worker.call({ sab: sab(bytes), offset: base, length: bytes.length, segments: shifted })) as (number | string)[];
    },
    finish: async () => {
      const digest = (await worker.call({})) as string;
      await worker.close();
      return digest;
    },
    close: () => void worker.close(),
  };
}
