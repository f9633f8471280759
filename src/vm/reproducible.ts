// Which outputs are bit-reproducible, and why. These are claims, measured by building the same image twice
// (test/integration/vm.test.ts compares the sha256 of every output and fails if a claim stops holding).
// They hold for the same tool versions; vm.json records those versions beside the claims.
import type { VmFormat } from "./types.js";

export interface ReproClaim {
  readonly reproducible: boolean;
  readonly why: string;
}

const DISK =
  "GPT disk and partition GUIDs, ext4 UUID and hash seed, and FAT volume id derived from the image id; kiln's own mke2fs.conf; " +
  "libext2fs and mtools (syslinux writes through mtools) clocks pinned to SOURCE_DATE_EPOCH; inode atime/ctime (copied by mke2fs -d from the extracted files) pinned with debugfs";

export const REPRODUCIBILITY: Readonly<Record<VmFormat, ReproClaim>> = {
  raw: { reproducible: true, why: DISK },
  qcow2: {
    reproducible: true,
    why: "qemu-img convert of a reproducible raw disk writes the same clusters in the same order; no timestamps or random ids in qcow2",
  },
  vmdk: {
    reproducible: true,
    why: "qemu-img draws the descriptor's CID at random: kiln replaces it with one derived from the image id; the descriptor names the file, which kiln keeps fixed",
  },
  ova: {
    reproducible: true,
    why: "ustar in a fixed order (OVF, manifest, VMDK), owner 0:0, mode 0644, mtime SOURCE_DATE_EPOCH; the OVF holds only values derived from the image",
  },
};
