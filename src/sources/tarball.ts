// Checkout tarballs: a deterministic tar of an exported tree (the archive module's packer over a
// normalising view of the directory), and a safe extraction that refuses any entry that could land
// outside the destination (absolute names, `..`, writing through a symlink, devices).
import { mkdir, readdir } from "node:fs/promises";
import { UserError } from "../errors.js";
import { run } from "../exec/run.js";
import { diskSource, packTree, readTemplate, type FileSource, type TreeEntry } from "../archive/index.js";

/** One tar member as the safety check needs it (types as the archive reader names them). */
export interface TarMember {
  readonly name: string;
  readonly type: string;
  readonly linkTarget?: string;
}

/** Types a source checkout may contain; devices and fifos have no business in a source tree. */
const ALLOWED = new Set(["file", "dir", "symlink", "hardlink"]);

/** Reads a tar's member list (pax and GNU long names applied) without writing anything. */
export async function listTar(path: string): Promise<TarMember[]> {
  const out: TarMember[] = [];
  for await (const { entry } of readTemplate(path)) out.push({ name: entry.name, type: entry.type, linkTarget: entry.linkTarget });
  return out;
}
/** A member name without `./` prefixes or trailing `/`; "" for the root itself. */
export function normalizeMember(name: string): string {
  return name
    .replace(/^(\.\/)+/, "")
    .replace(/\/+$/, "")
    .replace(/^\.$/, "");
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
    const bad =
      unsafeName(name) ?? (!ALLOWED.has(m.type) ? `${m.type} entries are not allowed in a checkout` : underSymlink(name) ? "lies below a symlink" : undefined);
    if (bad) problems.push(`${m.name}: ${bad}`);
    if (m.type === "hardlink" && m.linkTarget !== undefined) {
      const target = normalizeMember(m.linkTarget);
      const badLink = unsafeName(target) ?? (underSymlink(target) ? "lies below a symlink" : undefined);
      if (badLink) problems.push(`${m.name}: hard-link target ${m.linkTarget} ${badLink}`);
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
 * A view of an exported tree with everything the exporter's machine could vary taken out: owner 0:0,
 * every mtime = `mtime`, modes 0644/0755 (only "executable or not" survives, which is what the VCS
 * records; the rest came from the umask), no xattrs, no hard-link identity.
 */
export function normalizedSource(src: FileSource, mtime: number): FileSource {
  const norm = ({ xattrs: _x, inode: _i, nlink: _n, ...e }: TreeEntry): TreeEntry => ({
    ...e,
    uid: 0,
    gid: 0,
    mtime,
    mode: e.type === "symlink" ? 0o777 : e.type === "dir" || (e.mode & 0o111) !== 0 ? 0o755 : 0o644,
  });
  return {
    entries: async () => (await src.entries()).map(norm),
    root: async () => norm((await src.root?.()) ?? { path: "", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtime }),
    open: (path) => src.open(path),
    ...(src.readSync ? { readSync: src.readSync.bind(src) } : {}),
  };
}

/** Packs the directory `dir` into the plain tar `out` deterministically (see normalizedSource). */
export async function packTreeDeterministic(o: { readonly dir: string; readonly out: string; readonly mtime: number }): Promise<void> {
  await packTree(normalizedSource(diskSource(o.dir), o.mtime), { epoch: o.mtime, compression: { kind: "none" }, out: o.out });
}
