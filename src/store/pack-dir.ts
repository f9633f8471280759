// `kiln pack DIR`: adopt an existing rootfs directory as an image. Defaults come from the tree itself:
// arch from /bin/sh's ELF header, ostype from os-release, debs from dpkg's status file.
import { lstat, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { diskSource } from "../archive/index.js";
import type { FileSource } from "../archive/types.js";
import { installedPackages } from "../debian/dpkg-status.js";
import { proxmoxOstype } from "../rootfs/os-release.js";
import { treeArch, treeOsRelease } from "../rootfs/tree.js";
import { UserError, type Problem } from "../errors.js";
import { addImage, type AddImageResult } from "./add.js";
import { imageNameProblems } from "./naming.js";
import type { ManifestDeb } from "./types.js";

export interface PackDirOptions {
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  /** Default: read from the tree's /bin/sh. */
  readonly arch?: string;
  /** Default: the Proxmox ostype of the tree's os-release ID. */
  readonly ostype?: string;
  /** SOURCE_DATE_EPOCH; default: the newest mtime in the tree (so nothing is clamped). */
  readonly epoch?: number;
  /** diskSource(dir), its listing perhaps already under way (the CLI starts it early); default: a new one. */
  readonly source?: FileSource;
}

/** The debs dpkg lists as installed in the tree (none if it has no dpkg status file). */
async function treeDebs(root: string): Promise<readonly ManifestDeb[]> {
  const path = join(root, "var/lib/dpkg/status");
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isFile()) return [];
  return installedPackages(await readFile(path, "utf8")).map((p) => ({ name: p.name, version: p.version, arch: p.arch }));
}

/** Validates everything first (nothing is written on bad input), then packs the tree into the store. */
export async function packDirectory(store: string, o: PackDirOptions): Promise<AddImageResult> {
  const dir = resolve(o.dir);
  const st = await lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new UserError({ file: o.dir, message: "not a directory: give the root filesystem directory to pack" });
  const problems: Problem[] = [];
  const arch = o.arch ?? (await treeArch(dir));
  if (!arch) problems.push({ key: "arch", message: `cannot read the architecture from ${o.dir}/bin/sh: pass --arch` });
  const osId = (await treeOsRelease(dir))?.ID;
  const ostype = o.ostype ?? (osId ? proxmoxOstype(osId) : undefined);
  if (!ostype)
    problems.push({
      key: "ostype",
      message: osId ? `os-release ID '${osId}' is not one Proxmox manages: pass --ostype` : `no os-release in ${o.dir}: pass --ostype`,
    });
  if (o.epoch !== undefined && (!Number.isInteger(o.epoch) || o.epoch < 0))
    problems.push({ key: "epoch", message: `'${o.epoch}' is not a whole number of seconds since 1970` });
  problems.push(...imageNameProblems({ name: o.name, version: o.version, arch: arch ?? "amd64", ostype: ostype ?? "debian" }));
  // Both were reported above when missing; the check also tells the compiler they are strings below.
  if (problems.length || !arch || !ostype) throw new UserError(problems);
  const source = o.source ?? diskSource(dir);
  // With --epoch the pack starts (store, compressor) while the listing runs; without, it needs the listing first.
  const newest = async (): Promise<number> => (await source.entries()).reduce((max, e) => Math.max(max, e.mtime), 0);
  const [epoch, debs] = await Promise.all([o.epoch ?? newest(), treeDebs(dir)]);
  return addImage(store, {
    source,
    compression: { kind: "zstd" },
    meta: {
      name: o.name,
      version: o.version,
      arch,
      ostype,
      origin: "pack",
      inputs: null,
      recipe: null,
      lockSha256: null,
      debs,
      python: [],
      checkouts: [],
      verify: null,
      sourceDateEpoch: epoch,
    },
  });
}
