// The same facts `kiln check` reads from an archive, read from a rootfs directory instead (for
// `kiln pack` defaults): /bin/sh's architecture and the os-release ID, symlinks resolved inside the tree.
import { lstatSync, readlinkSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ELF_HEAD_BYTES, readElfArch } from "./elf.js";
import { parseOsRelease } from "./os-release.js";
import { resolveLinks } from "./links.js";

/** The host path of the regular file at `path` inside `root` (symlinks resolved inside the tree), or undefined. */
export function resolveInTree(root: string, path: string): string | undefined {
  const final = resolveLinks(path, (p) => {
    const host = join(root, p);
    return lstatSync(host, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(host) : undefined;
  });
  if (final === undefined) return undefined;
  const host = join(root, final);
  return lstatSync(host, { throwIfNoEntry: false })?.isFile() ? host : undefined;
}

/** The architecture of the tree's /bin/sh, or undefined if it cannot be read. */
export async function treeArch(root: string): Promise<string | undefined> {
  const sh = resolveInTree(root, "bin/sh");
  if (!sh) return undefined;
  const fh = await open(sh, "r");
  try {
    const head = Buffer.alloc(ELF_HEAD_BYTES);
    const { bytesRead } = await fh.read(head, 0, ELF_HEAD_BYTES, 0);
    return readElfArch(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** The tree's os-release fields (/etc/os-release, else /usr/lib/os-release), or undefined. */
export async function treeOsRelease(root: string): Promise<Readonly<Record<string, string>> | undefined> {
  for (const p of ["etc/os-release", "usr/lib/os-release"]) {
    const file = resolveInTree(root, p);
    if (file) return parseOsRelease(await readFile(file, "utf8"));
  }
  return undefined;
}
