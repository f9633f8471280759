// Shared by the archive unit tests: temp dirs, and an independent reader (tar-stream) to check
// what packTree writes without trusting kiln's own parser.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tarStream from "tar-stream";

export interface ForeignEntry {
  readonly name: string;
  readonly type: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly uname: string;
  readonly gname: string;
  readonly mtime: number;
  readonly size: number;
  readonly linkname: string | null;
  readonly devmajor: number;
  readonly devminor: number;
  readonly pax: Readonly<Record<string, string>> | null;
  readonly data: Buffer;
}

/** Reads an uncompressed tar with tar-stream (a third-party parser). */
export async function readWithTarStream(file: string): Promise<ForeignEntry[]> {
  const ex = tarStream.extract();
  const out: ForeignEntry[] = [];
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const h = entry.header;
      out.push({
        name: h.name,
        type: h.type,
        mode: h.mode,
        uid: h.uid,
        gid: h.gid,
        uname: h.uname,
        gname: h.gname,
        mtime: Math.round(h.mtime.getTime() / 1000),
        size: h.size,
        linkname: h.linkname,
        devmajor: h.devmajor,
        devminor: h.devminor,
        pax: (h.pax as Record<string, string> | null) ?? null,
        data: Buffer.concat(chunks),
      });
    }
  })();
  ex.end(await readFile(file));
  await done;
  return out;
}

/** A fresh temp dir and its cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "kiln-archive-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
