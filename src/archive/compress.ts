// Where the tar stream goes: zstd (multi-threaded, the zstd tool writing straight to the file),
// gzip (in-process zlib) or a plain .tar file. One small Sink interface so the writer ignores which.
// And back: a decompressor fed by the caller, for reading a template once while hashing it.
import { once } from "node:events";
import { createWriteStream, openSync, type WriteStream } from "node:fs";
import { Duplex, type Writable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import { ToolError } from "../errors.js";
import { checkTool, spawnPiped, stdinOf, stdoutOf } from "../exec/run.js";
import type { Compression } from "./types.js";

/** A byte sink. write() resolves once the chunk is consumed, so its buffer may be reused. */
export interface Sink {
  write(chunk: Buffer): Promise<void>;
  /** Flushes everything and waits until the output file is complete. */
  end(): Promise<void>;
  /** Stops after a failure elsewhere; resolves once nothing writes the output any more (then delete it). */
  abort(): Promise<void>;
}

/** zstd's argv: -T threads (0 = one per core), quiet, level; --ultra unlocks levels above 19. */
export function zstdArgv(c: { readonly level?: number; readonly threads?: number }): string[] {
  const level = c.level ?? 3;
  return ["zstd", `-T${c.threads ?? 0}`, "-q", ...(level > 19 ? ["--ultra"] : []), `-${level}`, "-c", "-"];
}

/** Writes to a Node stream; resolves when the stream has consumed the chunk (its write callback). */
function writeTo(stream: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

/** Ends a Node stream and waits for `done` (the stream or its downstream) to finish. */
async function endStream(stream: Writable, done: Writable): Promise<void> {
  const finished = once(done, "close");
  stream.end();
  await finished;
}

/** Destroys a file stream and waits until its descriptor is closed (an open may still be pending). */
async function closeStream(file: WriteStream): Promise<void> {
  if (file.closed) return;
  const closed = once(file, "close");
  file.destroy();
  await closed;
}

/** Sink into `zstd`, whose stdout is the output file itself (no copy through Node). */
function zstdSink(c: { readonly level?: number; readonly threads?: number }, out: string): Sink {
  checkTool("zstd", "compress the template", "apt-get install zstd");
  const argv = zstdArgv(c);
  const proc = spawnPiped(argv, { stdoutFile: out });
  const stdin = stdinOf(proc);
  // A failed zstd surfaces through `proc`; the EPIPE that stdin would also raise adds nothing.
  stdin.on("error", () => undefined);
  // spawnPiped rejects with a PipedError, whose message already says how zstd failed.
  const result = proc.then(
    () => undefined,
    (e: unknown) => (e instanceof ToolError ? e : new ToolError(String(e), { cause: e })),
  );
  return {
    write: async (chunk) => {
      await Promise.race([writeTo(stdin, chunk), result.then((err) => Promise.reject(err ?? new ToolError(`${argv[0]} exited before its input ended`)))]);
    },
    end: async () => {
      stdin.end();
      const err = await result;
      if (err) throw err;
    },
    abort: async () => {
      proc.kill("SIGKILL");
      await result;
    },
  };
}

/**
 * Sink through zlib's gzip: its header carries no file name and mtime 0, so equal input gives equal
 * bytes (what `gzip -n` does), without needing the gzip tool.
 */
function gzipSink(level: number | undefined, out: string): Sink {
  const file = createWriteStream(out, { fd: openSync(out, "w") });
  const gz = createGzip({ level: level ?? 6 });
  gz.pipe(file);
  const failed = new Promise<never>((_, reject) => {
    const fail = (e: Error) => reject(new ToolError(`writing ${out}: ${e.message}`, { cause: e }));
    gz.on("error", fail);
    file.on("error", fail);
  });
  failed.catch(() => undefined);
  return {
    write: (chunk) => Promise.race([writeTo(gz, chunk), failed]),
    end: () => Promise.race([endStream(gz, file), failed]),
    abort: async () => {
      gz.destroy();
      await closeStream(file);
    },
  };
}

/** Sink straight into a .tar file. */
function plainSink(out: string): Sink {
  const file = createWriteStream(out, { fd: openSync(out, "w") });
  const failed = new Promise<never>((_, reject) => file.on("error", (e) => reject(new ToolError(`writing ${out}: ${e.message}`, { cause: e }))));
  failed.catch(() => undefined);
  return {
    write: (chunk) => Promise.race([writeTo(file, chunk), failed]),
    end: () => Promise.race([endStream(file, file), failed]),
    abort: () => closeStream(file),
  };
}

/** Opens the sink for a compression setting, writing `out`, which exists (empty) when this returns. */
export function openSink(c: Compression, out: string): Sink {
  switch (c.kind) {
    case "zstd":
      return zstdSink(c, out);
    case "gzip":
      return gzipSink(c.level, out);
    case "none":
      return plainSink(out);
  }
}

/** A streaming decompressor: compressed bytes are piped into `stream`, plain bytes read from it. */
export interface Decompressor {
  readonly stream: Duplex;
  /** Settles when the decompressor is done; rejects (ToolError) when it failed, e.g. on corrupt input. */
  readonly done: Promise<void>;
  /** Ends it early (kills the zstd process). */
  stop(): void;
}

/** Opens a decompressor fed by the caller (so one read of a file can also hash it): zstd -d or zlib. */
export function openDecompressor(kind: "zstd" | "gzip"): Decompressor {
  if (kind === "gzip") {
    const gz = createGunzip();
    const done = new Promise<void>((resolve, reject) => {
      gz.on("end", resolve).on("close", resolve);
      gz.on("error", (e) => reject(new ToolError(`gunzip: ${e.message}`, { cause: e })));
    });
    done.catch(() => undefined);
    return { stream: gz, done, stop: () => void gz.destroy() };
  }
  checkTool("zstd", "read a .tar.zst template", "apt-get install zstd");
  const argv = ["zstd", "-dcq"];
  const proc = spawnPiped(argv);
  stdinOf(proc).on("error", () => undefined); // a failed zstd surfaces through `proc`
  let stopped = false;
  const done = proc.then(
    () => undefined,
    (e: unknown) => {
      if (!stopped) throw e; // a PipedError: how zstd failed, with its stderr
    },
  );
  done.catch(() => undefined);
  const stream = Duplex.from({ writable: stdinOf(proc), readable: stdoutOf(proc) });
  return {
    stream,
    done,
    stop: () => {
      stopped = true;
      proc.kill("SIGKILL");
      stream.destroy();
    },
  };
}
