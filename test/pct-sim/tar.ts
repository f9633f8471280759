// How `pct create` unpacks a template or OCI layer into the root volume, per pve-container's
// PVE::LXC::Create::restore_tar_archive and the storage plugin's common tar flags. The simulator keeps its
// own copy rather than kiln's lxc driver's (which it checks): numeric owners, permissions, ACLs, user.*
// xattrs and file capabilities, and nothing under ./dev (LXC populates /dev itself).

/** Decompression flag for an archive by its suffix (a plain .tar needs none). */
function decompress(archive: string): string[] {
  if (archive.endsWith(".zst")) return ["--zstd"];
  if (archive.endsWith(".gz")) return ["--gzip"];
  if (archive.endsWith(".xz")) return ["--xz"];
  return [];
}

/** tar argv that extracts `archive` into `rootfs` as pct does. */
export function pctTarArgv(archive: string, rootfs: string): string[] {
  return [
    "tar",
    "--extract",
    "--preserve-permissions",
    `--file=${archive}`,
    ...decompress(archive),
    "--one-file-system",
    "--sparse",
    "--numeric-owner",
    "--acls",
    "--xattrs",
    "--xattrs-include=user.*",
    "--xattrs-include=security.capability",
    "--warning=no-file-ignored",
    "--warning=no-xattr-write",
    `--directory=${rootfs}`,
    "--anchored",
    "--exclude=./dev/*",
  ];
}
