// The ext4 root filesystem, written straight into the disk image at the root partition's offset by
// `mke2fs -d` (no loop device, no mount), then made reproducible:
// - mke2fs reads its defaults from /etc/mke2fs.conf, which differs between hosts: kiln passes its own.
// - UUID and directory hash seed are derived from the image id (-U, -E hash_seed=).
// - E2FSPROGS_FAKE_TIME pins every time libext2fs takes from the clock (superblock times, crtime,
//   lost+found) to SOURCE_DATE_EPOCH.
// - What it cannot pin: `-d` copies each source file's atime and ctime, and ctime is the moment tar
//   extracted the file (no call can set it). debugfs then sets atime and ctime of every used inode to
//   SOURCE_DATE_EPOCH, and zeroes the superblock's lifetime-writes counter, which counts bytes differently
//   depending on the source filesystem (tmpfs vs ext4).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ToolError } from "../errors.js";
import { checkTool, run } from "../exec/run.js";
import { partitionBytes } from "./geometry.js";
import { INODE_SIZE } from "./size.js";
import type { VmPlan } from "./types.js";

/** kiln's mke2fs.conf: the bookworm defaults for ext4, written down so the host's file cannot change the disk. */
export const MKE2FS_CONF = `[defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	default_mntopts = acl,user_xattr
	enable_periodic_fsck = 0
	blocksize = 4096
	inode_size = ${INODE_SIZE}
	inode_ratio = 16384

[fs_types]
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
`;

/** The environment that pins libext2fs's clock (mke2fs and debugfs) and points mke2fs at kiln's config. */
export function e2fsEnv(epoch: number, conf: string): Record<string, string> {
  return { E2FSPROGS_FAKE_TIME: String(epoch), MKE2FS_CONFIG: conf, SOURCE_DATE_EPOCH: String(epoch) };
}

/** A libext2fs device name for the filesystem at `offset` bytes inside `disk` (the `?offset=` io option). */
export function atOffset(disk: string, offset: number): string {
  return `${disk}?offset=${offset}`;
}

/** mke2fs argv that formats the root partition of `disk` and fills it from `tree`. */
export function mke2fsArgv(o: { readonly plan: Pick<VmPlan, "layout" | "ids" | "inodes">; readonly disk: string; readonly tree: string }): string[] {
  const { offset, bytes } = partitionBytes(o.plan.layout.root);
  const ext = [
    `hash_seed=${o.plan.ids.hashSeed}`,
    "root_owner=0:0",
    `offset=${offset}`,
    // Discarding a range of a regular file punches holes: pointless on a fresh sparse file.
    "nodiscard",
    // Write the inode tables and journal now: otherwise the choice depends on the host kernel
    // (/sys/fs/ext4/features/lazy_itable_init) and the VM's first boot zeroes them in the background.
    "lazy_itable_init=0",
    "lazy_journal_init=0",
  ];
  return [
    "mke2fs",
    "-q",
    "-F",
    "-t",
    "ext4",
    "-b",
    "4096",
    "-I",
    String(INODE_SIZE),
    "-N",
    String(o.plan.inodes),
    "-L",
    "root",
    "-U",
    o.plan.ids.rootFsUuid,
    "-E",
    ext.join(","),
    "-d",
    o.tree,
    o.disk,
    String(bytes / 4096),
  ];
}

/**
 * Used inode numbers from `dumpe2fs` output: each group's inode range minus its "Free inodes:" ranges.
 * Returns ranges [first, last] in ascending order.
 */
export function usedInodes(dumpe2fs: string): readonly (readonly [number, number])[] {
  const perGroup = Number(/^Inodes per group:\s+(\d+)/m.exec(dumpe2fs)?.[1]);
  if (!Number.isInteger(perGroup) || perGroup <= 0) throw new ToolError("dumpe2fs printed no 'Inodes per group': is e2fsprogs' dumpe2fs the one on PATH?");
  const used: [number, number][] = [];
  const groups = dumpe2fs.split(/^Group (\d+):/m);
  for (let i = 1; i + 1 < groups.length; i += 2) {
    const g = Number(groups[i]);
    const free = /^\s*Free inodes:(.*)$/m.exec(groups[i + 1] ?? "")?.[1] ?? "";
    let next = g * perGroup + 1;
    const last = (g + 1) * perGroup;
    for (const r of free
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [a = 0, b] = r.split("-").map(Number); // split gives at least one part: a is always there
      if (a > next) used.push([next, a - 1]);
      next = (b ?? a) + 1;
    }
    if (next <= last) used.push([next, last]);
  }
  return used;
}

/** The debugfs script: atime and ctime of the root directory and every non-reserved used inode := epoch. */
export function timeFixScript(used: readonly (readonly [number, number])[], epoch: number): string {
  const lines: string[] = ["ssv kbytes_written 0"];
  for (const [a, b] of used) {
    for (let n = a; n <= b; n++) {
      // Inodes 1 and 3–10 are reserved (bad blocks, quota, journal, …) and got their times from the pinned clock.
      if (n !== 2 && n < 11) continue;
      lines.push(`sif <${n}> atime @${epoch}`, `sif <${n}> ctime @${epoch}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Formats and fills the root partition, then pins the times mke2fs copied from the extracted tree. */
export async function makeRootFs(o: { readonly plan: VmPlan; readonly disk: string; readonly tree: string; readonly work: string }): Promise<void> {
  for (const t of ["mke2fs", "dumpe2fs", "debugfs"]) checkTool(t, "build the VM's ext4 root filesystem without mounting it", "apt-get install e2fsprogs");
  const conf = join(o.work, "mke2fs.conf");
  await writeFile(conf, MKE2FS_CONF);
  const env = e2fsEnv(o.plan.sourceDateEpoch, conf);
  await run(mke2fsArgv({ plan: o.plan, disk: o.disk, tree: o.tree }), { env });
  const dev = atOffset(o.disk, partitionBytes(o.plan.layout.root).offset);
  const dump = await run(["dumpe2fs", dev], { env });
  const script = join(o.work, "times.debugfs");
  await writeFile(script, timeFixScript(usedInodes(dump.stdout), o.plan.sourceDateEpoch));
  // debugfs reports a failed request on stderr but still exits 0: a non-empty stderr beyond the banner is a failure.
  const r = await run(["debugfs", "-w", "-f", script, dev], { env });
  const errors = r.stderr.split("\n").filter((l) => l.trim() && !/^debugfs \d/.test(l));
  if (errors.length) throw new ToolError(`debugfs could not pin inode times: ${errors.slice(0, 5).join("; ")}`);
}
