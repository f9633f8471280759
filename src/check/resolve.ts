// Path resolution inside an archive: follows symlinks and hard links the way the extracted tree would,
// without ever leaving the archive (an absolute target restarts at the archive's root).
import { resolveLinks } from "../rootfs/links.js";
import type { ArchiveFacts, FactEntry } from "./types.js";

/** Normalises a tar member name as extraction sees it: no leading "./" or "/", no empty or "." components. */
export function normalizeName(name: string): string {
  return name
    .split("/")
    .filter((c) => c !== "" && c !== ".")
    .join("/");
}

export interface Resolved {
  /** The final path inside the archive. */
  readonly path: string;
  /** The member there, or undefined if nothing in the archive has that path. */
  readonly entry: FactEntry | undefined;
}

/** Resolves `path` inside the archive (symlinks, then a final hard link); undefined on a loop. */
export function resolveInArchive(facts: ArchiveFacts, path: string): Resolved | undefined {
  const final = resolveLinks(path, (p) => {
    const e = facts.byPath.get(p);
    return e?.type === "symlink" ? e.linkTarget : undefined;
  });
  if (final === undefined) return undefined;
  const entry = facts.byPath.get(final);
  // A hard link shares its target's contents: report the member that carries them.
  if (entry?.type === "hardlink" && entry.linkTarget !== undefined) {
    const target = normalizeName(entry.linkTarget);
    return { path: target, entry: facts.byPath.get(target) };
  }
  return { path: final, entry };
}
