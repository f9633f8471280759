// An OCI layout directory as an `oci-archive` tarball, with kiln's deterministic tar writer: sorted
// names without "./", owner 0:0, modes 0644/0755, every mtime the image's SOURCE_DATE_EPOCH, no compression.
import { rename, rm } from "node:fs/promises";
import { diskSource, packTree, type FileSource, type TreeEntry } from "../archive/index.js";

/** The layout directory as a FileSource with normalised metadata (nothing from the host survives). */
function normalised(dir: string, epoch: number): FileSource {
  const disk = diskSource(dir);
  const fix = (e: TreeEntry): TreeEntry => ({
    ...e,
    uid: 0,
    gid: 0,
    mode: e.type === "dir" ? 0o755 : 0o644,
    mtime: epoch,
    xattrs: undefined,
    inode: undefined,
    nlink: undefined,
  });
  return {
    entries: async () => (await disk.entries()).map(fix),
    open: (p) => disk.open(p),
    root: async () => fix(disk.root ? await disk.root() : { path: "", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtime: epoch }),
    ...(disk.readSync ? { readSync: disk.readSync.bind(disk) } : {}),
  };
}

/** Writes layout `dir` as the tar `out` (via `out`.partial and a rename); returns the tar's sha256. */
export async function writeLayoutArchive(dir: string, out: string, epoch: number): Promise<string> {
  const partial = `${out}.partial`;
  try {
    // Bare names (`oci-layout`, `index.json`, `blobs/…`), as skopeo writes them: Proxmox VE 9.1 detects an OCI
    // archive only by those exact names in `tar -tf` (pve-container's archive_is_oci_format), not `./oci-layout`.
    const r = await packTree(normalised(dir, epoch), { epoch, compression: { kind: "none" }, out: partial, bare: true });
    await rename(partial, out);
    return r.fileSha256;
  } finally {
    await rm(partial, { force: true });
  }
}
