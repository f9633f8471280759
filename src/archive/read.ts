// Reading templates back (.tar.zst, .tar.gz, .tar; detected by magic bytes, not by name) for
// `kiln check`, `kiln diff` and the tests: entries with metadata, contents on request, and the
// image id recomputed from the decompressed stream.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { UserError } from "../errors.js";
import { checkTool, pipedFailure, spawnPiped, stdoutOf } from "../exec/run.js";
import { parseTar, type TemplateBody, type TemplateEntry } from "./tar-reader.js";
import { bytesOf, errnoCode, messageOf } from "../util/thrown.js";

export type { TemplateBody, TemplateEntry } from "./tar-reader.js";

export type TemplateCompression = "zstd" | "gzip" | "none";

/** Detects the compression from the file's first bytes. */
export async function detectCompression(file: string): Promise<TemplateCompression> {
  let fh: FileHandle;
  try {
    fh = await open(file, "r");
  } catch (e) {
    throw new UserError({ file, message: `cannot open template (${errnoCode(e) ?? String(e)}): check the path` });
  }
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return "zstd";
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
    return "none";
  } finally {
    await fh.close();
  }
}

/** A template's decompressed bytes, and stop() to end early (it also ends any helper process). */
interface Decompressed {
  readonly chunks: AsyncIterable<Buffer>;
  stop(): Promise<void>;
}

/** Passes chunks through, turning zlib's errors (a corrupt or cut-off .gz) into bad input naming the file. */
async function* gunzipErrors(s: Readable, file: string): AsyncIterable<Buffer> {
  try {
    for await (const b of s) yield bytesOf(b);
  } catch (e) {
    if (!errnoCode(e)?.startsWith("Z_")) throw e;
    throw new UserError({ file, message: `cannot decompress: ${messageOf(e)}` }, { cause: e });
  }
}

/** Opens the decompressed byte stream of a template: zlib for gzip, the zstd tool for zstd. */
async function decompressed(file: string): Promise<Decompressed> {
  const kind = await detectCompression(file);
  if (kind !== "zstd") {
    const raw = createReadStream(file, { highWaterMark: 1 << 20 });
    // pipeline() destroys the gunzip stream with the read error, so iteration rejects with it.
    const s: Readable = kind === "gzip" ? pipeline(raw, createGunzip(), () => undefined) : raw;
    return { chunks: kind === "gzip" ? gunzipErrors(s, file) : s, stop: async () => void s.destroy() };
  }
  checkTool("zstd", "read a .tar.zst template", "apt-get install zstd");
  const argv = ["zstd", "-dcq", "--", file];
  const proc = spawnPiped(argv);
  proc.stdin?.end();
  let stopped = false;
  const finished = proc.then(
    () => undefined,
    (e: unknown) => {
      if (stopped) return undefined;
      const stderr = pipedFailure(e).stderr.trim();
      return new UserError({ file, message: `cannot decompress: ${stderr || String(e)}` }, { cause: e });
    },
  );
  const stdout = stdoutOf(proc);
  return {
    // A zstd failure (corrupt file) must surface even when its output merely ends early.
    chunks: (async function* () {
      for await (const b of stdout) yield bytesOf(b);
      const err = await finished;
      if (err) throw err;
    })(),
    stop: async () => {
      stopped = true;
      proc.kill("SIGKILL");
      stdout.destroy(); // unread output would otherwise keep the process result pending
      await finished;
    },
  };
}

/** Wraps a chunk stream, feeding every byte to a sha256 on the way (the image id). */
function hashing(src: AsyncIterable<unknown>): { chunks: AsyncIterable<Buffer>; result: () => { id: string; size: number } } {
  const h = createHash("sha256");
  let size = 0;
  let digest: string | undefined;
  return {
    chunks: (async function* () {
      for await (const c of src) {
        const b = bytesOf(c);
        h.update(b);
        size += b.length;
        yield b;
      }
      digest = h.digest("hex");
    })(),
    result: () => {
      if (digest === undefined) throw new Error("image id read before the stream ended");
      return { id: `sha256:${digest}`, size };
    },
  };
}

/**
 * Every entry of a template in archive order, each with a body to read or skip. Bodies must be read
 * before moving to the next entry. Breaking out of the loop stops the decompressor.
 */
export async function* readTemplate(file: string): AsyncGenerator<{ entry: TemplateEntry; body: TemplateBody }> {
  const { chunks, stop } = await decompressed(file);
  try {
    yield* parseTar(chunks, file);
  } finally {
    await stop();
  }
}

/** What listTemplate returns: the image id of the stream plus every entry. */
export interface TemplateListing {
  /** "sha256:<hex>" of the decompressed stream: equals the id packTree reported. */
  readonly id: string;
  readonly tarSize: number;
  readonly compression: TemplateCompression;
  readonly entries: readonly ListedEntry[];
}

export interface ListedEntry extends TemplateEntry {
  /** Contents, for files the `contents` option selected. */
  readonly contents?: Buffer;
  /** sha256 hex of the contents (files), with the `digests` option. */
  readonly digest?: string;
}

export interface ListOptions {
  /** Which files to return the contents of (e.g. `(e) => e.size <= 4096`, or by path). */
  readonly contents?: (entry: TemplateEntry) => boolean;
  /** Compute each file's sha256 (reads every body; costs about one hash pass over the data). */
  readonly digests?: boolean;
}

/** Reads a whole template: every entry's metadata, selected contents, digests, and the image id. */
export async function listTemplate(file: string, opts: ListOptions = {}): Promise<TemplateListing> {
  const compression = await detectCompression(file);
  const { chunks, stop } = await decompressed(file);
  const hashed = hashing(chunks);
  const entries: ListedEntry[] = [];
  try {
    for await (const { entry, body } of parseTar(hashed.chunks, file)) {
      const want = entry.type === "file" && opts.contents?.(entry) === true;
      if (!want && !(opts.digests && entry.type === "file")) {
        entries.push(entry);
        continue;
      }
      const h = createHash("sha256");
      const parts: Buffer[] = [];
      for await (const b of body) {
        h.update(b);
        if (want) parts.push(b);
      }
      entries.push({ ...entry, ...(want ? { contents: Buffer.concat(parts) } : {}), ...(opts.digests ? { digest: h.digest("hex") } : {}) });
    }
  } finally {
    await stop();
  }
  const { id, size } = hashed.result();
  return { id, tarSize: size, compression, entries };
}

/** Recomputes a template's image id: sha256 of its decompressed stream. */
export async function templateImageId(file: string): Promise<string> {
  const { chunks, stop } = await decompressed(file);
  const h = hashing(chunks);
  try {
    for await (const _ of h.chunks);
  } finally {
    await stop();
  }
  return h.result().id;
}
