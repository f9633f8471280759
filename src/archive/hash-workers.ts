// The image id's sha256 runs in a worker thread: hashing the whole stream is the largest cost of
// packing after compression, and on its own thread it runs beside the main thread's reads and
// per-file hashes instead of after them. Chunks live in shared memory, so nothing is copied.
import { Worker } from "node:worker_threads";
import { ToolError } from "../errors.js";

/** Inline worker source: no separate file to locate from src/ (tests) or dist/ (built). */
const WORKER = `
const { parentPort } = require("node:worker_threads");
const hash = require("node:crypto").createHash("sha256");
parentPort.on("message", (m) => {
  if (m.sab) hash.update(new Uint8Array(m.sab, m.offset, m.length));
  parentPort.postMessage(m.sab ? { id: m.id } : { id: m.id, digest: hash.digest("hex") });
});
`;

/** A sha256 of a byte stream fed in order from shared-memory chunks. */
export interface StreamHasher {
  /** Hashes `bytes` (backed by a SharedArrayBuffer); resolves once they may be overwritten. */
  update(bytes: Buffer): Promise<void>;
  /** Hex digest of everything updated so far; ends the hasher. */
  digest(): Promise<string>;
  /** Stops the worker (after a failure elsewhere). */
  close(): void;
}

/** A Buffer in shared memory, which the hashing worker can read without a copy. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

/** Starts the hashing worker. */
export function streamHasher(): StreamHasher {
  const worker = new Worker(WORKER, { eval: true });
  const pending = new Map<number, { resolve: (digest: string | undefined) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failure: Error | undefined;
  const failAll = (e: Error): void => {
    failure = new ToolError(`hashing worker failed: ${e.message}`, { cause: e });
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  worker.on("message", (m: { id: number; digest?: string }) => {
    pending.get(m.id)?.resolve(m.digest);
    pending.delete(m.id);
  });
  worker.on("error", failAll);
  worker.on("exit", (code) => {
    if (pending.size > 0) failAll(new Error(`exited with code ${code}`));
  });
  const send = (msg: { sab?: SharedArrayBuffer; offset?: number; length?: number }): Promise<string | undefined> => {
    if (failure) return Promise.reject(failure);
    const id = next++;
    const done = new Promise<string | undefined>((resolve, reject) => pending.set(id, { resolve, reject }));
    worker.postMessage({ id, ...msg });
    return done;
  };
  return {
    update: async (bytes) => {
      if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new TypeError("streamHasher: bytes must live in a SharedArrayBuffer");
      await send({ sab: bytes.buffer, offset: bytes.byteOffset, length: bytes.length });
    },
    digest: async () => {
      const d = await send({});
      await worker.terminate();
      return d as string;
    },
    close: () => void worker.terminate(),
  };
}
