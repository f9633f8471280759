// Checkout tarballs: a deterministic tar of an exported tree, and a safe extraction that refuses any
// entry that could land outside the destination (absolute names, `..`, writing through a symlink).
import { createReadStream } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { UserError } from "../errors.js";
import { run } from "../exec/run.js";

/** One tar member as the safety check needs it. */
export interface TarMember {
  readonly name: string;
  readonly type: string;
  readonly linkname?: string;
}

/** Types a source checkout may contain; devices and fifos have no business in a source tree. */
const ALLOWED = new Set(["file", "contiguous-file", "directory", "symlink", "link"]);

/** Reads a tar's member list (pax and GNU long names applied) without writing anything. */
export async function listTar(path: string): Promise<TarMember[]> {
  const out: TarMember[] = [];
  const ex = tar.extract();
  ex.on("entry", (h, stream, next) => {
    out.push({ name: h.name, type: h.type ?? "file", linkname: h.linkname ?? undefined });
    stream.on("end", () => next());
    stream.resume();
  });
  await pipeline(createReadStream(path), ex);
  return out;
}

/** A member name without `./` prefixes or trailing `/`; "" for the root itself. */
export function normalizeMember(name: string): string {
  return name.replace(/^(\.\/)+/, "").replace(/\/+$/, "").replace(/^\.$/, "");
}

/** Why a member name is unsafe, or undefined. */
function unsafeName(name: string): string | undefined {
  if (name.startsWith("/")) return "absolute path";
  if (name.split("/").includes("..")) return "contains '..'";
  return undefined;
}

/**
 * Every reason the archive is unsafe to extract into an empty directory: absolute or `..` names or
 * hard-link targets, members below a symlink the archive itself created (extracting them would write
 * through it, possibly outside the tree), and special files.
 */
export function unsafeMembers(members: readonly TarMember[]): string[] {
  const problems: string[] = [];
  const symlinks = new Set<string>();
  // True when some proper parent of `p` is a symlink created earlier in the archive.
  const underSymlink = (p: string): boolean => {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) if (symlinks.has(parts.slice(0, i).join("/"))) return true;
    return false;
  };
  for (const m of members) {
    const name = normalizeMember(m.name);
    const bad = unsafeName(name) ?? (!ALLOWED.has(m.type) ? `${m.type} entries are not allowed in a checkout` : underSymlink(name) ? "lies below a symlink" : undefined);
    if (bad) problems.push(`${m.name}: ${bad}`);
    if (m.type === "link" && m.linkname !== undefined) {
      const target = normalizeMember(m.linkname);
      const badLink = unsafeName(target) ?? (underSymlink(target) ? "lies below a symlink" : undefined);
      if (badLink) problems.push(`${m.name}: hard-link target ${m.linkname} ${badLink}`);
    }
    if (m.type === "symlink") symlinks.add(name);
  }
  return problems;
}

/** Extracts `tarball` into `dest` (created; must be empty) after checking every member is safe. */
export async function extractTarSafely(o: { readonly tarball: string; readonly dest: string; readonly what: string }): Promise<void> {
  const problems = unsafeMembers(await listTar(o.tarball));
  if (problems.length) throw new UserError(problems.map((p) => ({ message: `${o.what}: unsafe archive member ${p}` })));
  await mkdir(o.dest, { recursive: true });
  if ((await readdir(o.dest)).length) throw new UserError(`${o.what}: destination ${o.dest} is not empty`);
  // --no-same-owner: files belong to whoever bakes (root), never to uids recorded in the archive.
  await run(["tar", "--extract", "--no-same-owner", "--file", o.tarball, "--directory", o.dest]);
}

/**
 * Packs `dir` into `out` deterministically with GNU tar: names sorted, every mtime = `mtime`, owner
 * 0:0 numeric, modes normalised to 0644/0755 (only the executable bit survives from disk, which is
 * what the VCS records), GNU format (no pax atime/ctime headers), no ACLs/xattrs/SELinux labels.
 */
export async function packTreeDeterministic(o: { readonly dir: string; readonly out: string; readonly mtime: number }): Promise<void> {
  await run([
    "tar",
    "--create",
    "--file", o.out,
    "--directory", o.dir,
    "--sort=name",
    `--mtime=@${o.mtime}`,
    "--owner=0", "--group=0", "--numeric-owner",
    // Permissions depend on the exporter's umask; keep only "executable or not".
    "--mode=u=rwX,go=rX",
    // GNU format has no atime/ctime fields (PAX would add them and break reproducibility).
    "--format=gnu",
    "--no-acls", "--no-xattrs", "--no-selinux",
    ".",
  ]);
}
