// Tar safety: nothing in the archive may land outside the directory it is extracted into, and the
// rules hold for the tree extraction leaves, not just the first member at a path: a later member
// replaces an earlier one (GNU tar and bsdtar both replace a symlink by a later directory entry, but
// an extractor that keeps directory symlinks would write through it), so a path that is a symlink in
// any member counts as a symlink.
import { escapeControls, quoteInput } from "../../util/quote.js";
import { normalizeName } from "../resolve.js";
import type { ArchiveFacts, CheckFailure, FactEntry } from "../types.js";

/** True when a '/'-separated name has a ".." component. */
function hasDotDot(name: string): boolean {
  return name.split("/").includes("..");
}

/** A failure about member `m` (its path escaped: names can hold control characters). */
function fail(m: FactEntry | string, message: string): CheckFailure {
  return { rule: "tar-safety", path: escapeControls(typeof m === "string" ? m : `/${m.path}`), message };
}

/** Every path that is a symlink in some member, whatever comes before or after it. */
function symlinkPaths(facts: ArchiveFacts): ReadonlySet<string> {
  return new Set(facts.members.filter((m) => m.type === "symlink").map((m) => m.path));
}

/** The first parent of `path` that is a symlink in the archive, or undefined. */
function symlinkParent(path: string, links: ReadonlySet<string>): string | undefined {
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) {
    const parent = parts.slice(0, i).join("/");
    if (links.has(parent)) return parent;
  }
  return undefined;
}

/** No absolute names and no ".." components in member names. */
export function namesRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const out: CheckFailure[] = [];
  for (const m of facts.members) {
    if (m.name.startsWith("/")) out.push(fail(m.name, "absolute member name; extraction could write outside the target directory"));
    else if (hasDotDot(m.name)) out.push(fail(m.name, "'..' in a member name; extraction could write outside the target directory"));
  }
  return out;
}

/** Hard links must name an earlier member inside the archive: not outside, not through a symlink, not later. */
export function hardLinksRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const out: CheckFailure[] = [];
  const links = symlinkPaths(facts);
  const seen = new Map<string, FactEntry>();
  for (const m of facts.members) {
    const t = m.linkTarget;
    if (m.type === "hardlink" && t !== undefined) {
      const target = normalizeName(t);
      const via = symlinkParent(target, links);
      const earlier = seen.get(target);
      if (t.startsWith("/") || hasDotDot(t)) out.push(fail(m, `hard link to ${quoteInput(t)}, outside the archive`));
      else if (via !== undefined)
        out.push(fail(m, `hard link to ${quoteInput(t)} through the symlink /${escapeControls(via)}; it could reach outside the archive`));
      else if (!earlier)
        out.push(fail(m, `hard link to ${quoteInput(t)}, which is not an earlier member of the archive (extraction would link to whatever is there)`));
      else if (earlier.type === "dir") out.push(fail(m, `hard link to ${quoteInput(t)}, a directory`));
    }
    seen.set(m.path, m);
  }
  return out;
}

/** No member below a path that is a symlink in the archive (in any member): extracting it could write through the link. */
export function symlinkParentsRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const links = symlinkPaths(facts);
  return facts.members.flatMap((m) => {
    const parent = symlinkParent(m.path, links);
    return parent === undefined ? [] : [fail(m, `its parent /${escapeControls(parent)} is a symlink in the archive; extraction could write through it`)];
  });
}

/** A path given twice with different types: what the extracted tree holds depends on the extractor. */
export function duplicatesRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const types = new Map<string, string[]>();
  for (const m of facts.members) {
    const list = types.get(m.path) ?? [];
    if (list[list.length - 1] !== m.type) list.push(m.type);
    types.set(m.path, list);
  }
  return [...types].flatMap(([p, list]) =>
    new Set(list).size > 1
      ? [fail(`/${p}`, `member given more than once with different types (${list.join(", then ")}); extractors differ on the result`)]
      : [],
  );
}

/** Device nodes only under /dev (which Proxmox excludes anyway): one elsewhere could expose the host's devices. */
export function devicesRule(facts: ArchiveFacts): readonly CheckFailure[] {
  return facts.members
    .filter((m) => m.type === "device" && !m.path.startsWith("dev/"))
    .map((m) => fail(m, "device node outside /dev; a container could reach the device through it"));
}
