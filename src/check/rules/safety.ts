// Tar safety: nothing in the archive may land outside the directory it is extracted into.
import { normalizeName } from "../resolve.js";
import type { ArchiveFacts, CheckFailure } from "../types.js";

/** True when a '/'-separated name has a ".." component. */
function hasDotDot(name: string): boolean {
  return name.split("/").includes("..");
}

/** No absolute names and no ".." components in member names. */
export function namesRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const out: CheckFailure[] = [];
  for (const m of facts.members) {
    if (m.name.startsWith("/")) out.push({ rule: "tar-safety", path: m.name, message: "absolute member name; extraction could write outside the target directory" });
    else if (hasDotDot(m.name)) out.push({ rule: "tar-safety", path: m.name, message: "'..' in a member name; extraction could write outside the target directory" });
  }
  return out;
}

/** Hard link targets must name a member inside the archive (no absolute names, no ".."). */
export function hardLinksRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const out: CheckFailure[] = [];
  for (const m of facts.members) {
    if (m.type !== "hardlink" || m.linkTarget === undefined) continue;
    const t = m.linkTarget;
    if (t.startsWith("/") || hasDotDot(t)) out.push({ rule: "tar-safety", path: `/${m.path}`, message: `hard link to '${t}', outside the archive` });
    else if (!facts.byPath.has(normalizeName(t))) out.push({ rule: "tar-safety", path: `/${m.path}`, message: `hard link to '${t}', which is not in the archive` });
  }
  return out;
}

/** No member below a path that is a symlink in the archive: extracting it would write through the link. */
export function symlinkParentsRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const out: CheckFailure[] = [];
  for (const m of facts.members) {
    const parts = m.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      if (facts.byPath.get(parent)?.type === "symlink") {
        out.push({ rule: "tar-safety", path: `/${m.path}`, message: `its parent /${parent} is a symlink in the archive; extraction would write through it` });
        break;
      }
    }
  }
  return out;
}
