// files.tsv: an image's file index (one IndexEntry per line), kept beside the manifest for `kiln diff`.
// Columns: path, type, mode (octal), uid, gid, size, digest. Paths and digests are escaped so that
// any byte sequence survives: backslash, tab, newline and carriage return as \\ \t \n \r.
import type { IndexEntry } from "../archive/types.js";
import { ToolError } from "../errors.js";

const HEADER = "# path\ttype\tmode\tuid\tgid\tsize\tdigest";
const TYPES: readonly string[] = ["file", "dir", "symlink", "char", "block", "fifo", "socket", "hardlink"];

/** True for a type column files.tsv may hold. */
function isIndexType(t: string | undefined): t is IndexEntry["type"] {
  return t !== undefined && TYPES.includes(t);
}

/** Escapes a field so it holds no tab or line break. */
export function escapeField(s: string): string {
  // Almost no path holds one of these: testing first skips a replace() per line of a 20k-line index.
  if (!SPECIAL.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}
const SPECIAL = /[\\\t\n\r]/;

/** Inverse of escapeField. */
export function unescapeField(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c === "r" ? "\r" : c));
}

/** Renders the index as files.tsv text (header line first, one line per entry, trailing newline). */
export function formatIndex(entries: readonly IndexEntry[]): string {
  let text = `${HEADER}\n`;
  for (const e of entries)
    text += `${escapeField(e.path)}\t${e.type}\t${e.mode.toString(8).padStart(4, "0")}\t${e.uid}\t${e.gid}\t${e.size}\t${escapeField(e.digest)}\n`;
  return text;
}

/** Parses files.tsv text; `file` names it in the error if a line is malformed. */
export function parseIndex(text: string, file: string): readonly IndexEntry[] {
  const out: IndexEntry[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split("\t");
    const [path, type, mode, uid, gid, size, digest] = f;
    if (
      f.length !== 7 ||
      path === undefined ||
      !isIndexType(type) ||
      mode === undefined ||
      !/^[0-7]+$/.test(mode) ||
      [uid, gid, size].some((n) => !/^\d+$/.test(n ?? ""))
    ) {
      throw new ToolError(`${file}:${i + 1}: not a valid files.tsv line (the store entry is damaged; re-pack or re-bake the image)`);
    }
    out.push({
      path: unescapeField(path),
      type,
      mode: parseInt(mode, 8),
      uid: Number(uid),
      gid: Number(gid),
      size: Number(size),
      digest: unescapeField(digest ?? ""),
    });
  }
  return out;
}
