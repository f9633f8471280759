// One streamed pass over a template: every member's metadata, the head of every regular file, and the
// whole contents of the few small files the rules read. Nothing is extracted to disk.
import { readTemplate, type TemplateBody, type TemplateEntry } from "../archive/index.js";
import { parseTar } from "../archive/tar-reader.js";
import { normalizeName } from "./resolve.js";
import type { ArchiveFacts, FactEntry, FactType } from "./types.js";

/** Bytes kept from the start of every file: enough for an ELF header and a PEM "BEGIN" line. */
export const HEAD_BYTES = 128;
/** Largest file whose whole contents a rule may want (a big image's dpkg status is a few MB). */
const MAX_CONTENT = 64 << 20;

/** Files some rule reads whole: os-release (both places), dpkg status, machine ids. */
export function wantsContents(path: string): boolean {
  return /(^|\/)os-release$/.test(path) || path === "var/lib/dpkg/status" || path === "etc/machine-id" || path === "var/lib/dbus/machine-id";
}

/** Maps a tar entry type to the few kinds the rules distinguish. */
function factType(t: TemplateEntry["type"]): FactType {
  if (t === "char" || t === "block") return "device";
  return t === "file" || t === "dir" || t === "symlink" || t === "hardlink" ? t : "other";
}

/** Reads the start of a body (or all of it), copying so no large decompression chunk stays referenced. */
async function readHead(body: TemplateBody, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  for await (const b of body) {
    parts.push(Buffer.from(b.subarray(0, limit - got)));
    got += Math.min(b.length, limit - got);
    if (got >= limit) break;
  }
  return Buffer.concat(parts);
}

/** Collects the facts of `file` in one read (of `tar`, its uncompressed stream, when the caller has it open). */
export async function collectFacts(file: string, tar?: AsyncIterable<Buffer>): Promise<ArchiveFacts> {
  const members: FactEntry[] = [];
  const byPath = new Map<string, FactEntry>();
  const heads = new Map<string, Buffer>();
  const contents = new Map<string, Buffer>();
  for await (const { entry, body } of tar ? parseTar(tar, file) : readTemplate(file)) {
    const fact: FactEntry = {
      name: entry.name,
      path: normalizeName(entry.name),
      type: factType(entry.type),
      size: entry.size,
      ...(entry.linkTarget !== undefined ? { linkTarget: entry.linkTarget } : {}),
    };
    members.push(fact);
    if (fact.path !== "") byPath.set(fact.path, fact);
    // A later member replaces an earlier one on extraction: its contents no longer exist.
    heads.delete(fact.path);
    contents.delete(fact.path);
    if (fact.type !== "file") continue;
    const whole = wantsContents(fact.path) && entry.size <= MAX_CONTENT;
    const data = await readHead(body, whole ? entry.size : HEAD_BYTES);
    heads.set(fact.path, data.subarray(0, HEAD_BYTES));
    if (whole) contents.set(fact.path, data);
  }
  return { file, members, byPath, heads, contents };
}
