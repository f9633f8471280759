// The bake's local apt repository: a flat directory holding only the locked debs, its Packages index
// and a Release naming the suite, served to mmdebstrap as `deb [trusted=yes] copy:///DIR ./`.
import { stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { ToolError, UserError } from "../../errors.js";
import type { LockedDeb } from "../../lock/types.js";
import { sha256Hex } from "../../util/hash.js";
import { compareDebIds, describeDeb, readDebControls, type DebControl } from "./deb-file.js";
import { flatRelease } from "./release.js";

/** One deb as the repository lists it. */
export interface RepoDeb {
  readonly control: DebControl;
  /** File name inside the repository directory. */
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
}

/** A Packages stanza: the deb's own control fields plus where apt finds it and what it must hash to. */
export function packagesStanza(d: RepoDeb): string {
  return `${d.control.text.trimEnd()}\nFilename: ./${d.file}\nSize: ${d.size}\nSHA256: ${d.sha256}\n`;
}

/** The whole Packages index, stanzas sorted so the same debs always give the same bytes. */
export function packagesIndex(debs: readonly RepoDeb[]): string {
  return [...debs]
    .sort((a, b) => compareDebIds(a.control, b.control))
    .map(packagesStanza)
    .join("\n");
}

/**
 * The sources.list line for a local repository directory. The path is percent-encoded so a space in it
 * cannot split the line; `trusted=yes` because the repository is unsigned (each deb was verified
 * against the lock just before).
 */
export function localRepoSource(dir: string): string {
  const path = dir
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
  return `deb [trusted=yes] copy://${path} ./`;
}

/** Writes Packages and Release for staged debs (`<dir>/<sha256>.deb`) and returns the sources line. */
export async function writeLocalRepo(o: {
  readonly dir: string;
  readonly debs: readonly (LockedDeb & { readonly path: string })[];
  readonly suite: string;
  readonly arch: string;
}): Promise<string> {
  // All control files in a few dpkg-deb batches: one spawn per deb cost more than dpkg-deb itself.
  const controls = await readDebControls(o.debs.map((d) => d.path));
  const listed = await Promise.all(
    o.debs.map(async (d, i): Promise<RepoDeb> => {
      // readDebControls returns one control per path, in order (it refuses any other count).
      const control = controls[i];
      if (!control) throw new ToolError(`no control file read for ${d.path}`);
      return { control, file: basename(d.path), size: (await stat(d.path)).size, sha256: d.sha256 };
    }),
  );
  // The sha256 ties each file to its lock entry; a lock edited by hand could still name it wrongly.
  const wrong = o.debs.flatMap((d, i) => {
    const c = listed[i]?.control;
    return c && (c.name !== d.name || c.version !== d.version || c.arch !== d.arch)
      ? [{ message: `lock entry ${describeDeb(d)} has sha256 ${d.sha256}, but that deb is ${describeDeb(c)}; run kiln lock to rewrite the lock` }]
      : [];
  });
  if (wrong.length) throw new UserError(wrong);
  const packages = packagesIndex(listed);
  await writeFile(join(o.dir, "Packages"), packages);
  const release = flatRelease({ suite: o.suite, architectures: [o.arch, "all"], packages: { size: Buffer.byteLength(packages), sha256: sha256Hex(packages) } });
  await writeFile(join(o.dir, "Release"), release);
  return localRepoSource(o.dir);
}
