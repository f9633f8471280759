// Path resolution inside an archive: follows symlinks and hard links the way the extracted tree would,
// without ever leaving the archive (an absolute target restarts at the archive's root).
import type { ArchiveFacts, FactEntry } from "./types.js";

/** Symlink hops allowed before giving up (Linux's own limit is 40). */
const MAX_HOPS = 40;

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

/**
 * Resolves `path` inside a tree rooted at "/", following symlinks in every component: `readLink(p)`
 * gives the target of the symlink at relative path p (undefined if p is not a symlink). Absolute targets
 * restart at the root; ".." never climbs above it. Returns the final relative path, or undefined on a loop.
 */
export function resolveLinks(path: string, readLink: (p: string) => string | undefined): string | undefined {
  let pending = path.split("/");
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const [part, ...rest] = pending;
    pending = rest;
    if (part === undefined || part === "" || part === ".") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    done.push(part);
    const target = readLink(done.join("/"));
    if (target === undefined) continue;
    if (++hops > MAX_HOPS) return undefined;
    done.pop();
    if (target.startsWith("/")) done.length = 0;
    pending = [...target.split("/"), ...pending];
  }
  return done.join("/");
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
