// The image tree a VM boots from: the template extracted with GNU tar, plus what a container template
// lacks because a hypervisor's container runtime provides it: an fstab for the root filesystem and a
// network configuration for the virtual NIC. Every mtime is then clamped to SOURCE_DATE_EPOCH, so the
// files kiln adds (and the directories they change) do not carry the build's clock into the disk.
import { lstat, lutimes, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureParents } from "../bake/paths.js";
import { systemctlArgv } from "../bake/stages/services.js";
import { checkTool, run } from "../exec/run.js";
import { warn } from "../log.js";
import type { VmPlan } from "./types.js";

/** Unit files that show the image can configure a network with systemd-networkd. */
export const NETWORKD_UNITS = ["usr/lib/systemd/system/systemd-networkd.service", "lib/systemd/system/systemd-networkd.service"] as const;

/** GNU tar argv that extracts a template as root would: numeric owners, permissions, xattrs (file capabilities). */
export function extractArgv(template: string, dir: string): string[] {
  // Compression (zstd or gzip) is detected by tar from the file's magic bytes.
  return [
    "tar",
    "--extract",
    "--file",
    template,
    "--directory",
    dir,
    "--numeric-owner",
    "--same-owner",
    "--same-permissions",
    "--xattrs",
    "--xattrs-include=*",
  ];
}

/** Extracts the template into `dir` (which must exist and be empty). */
export async function extractTemplate(template: string, dir: string): Promise<void> {
  checkTool("tar", "extract the template into a tree for the disk", "apt-get install tar");
  await run(extractArgv(template, dir));
}

/** /etc/fstab for the VM: the root filesystem by its (derived) UUID. */
export function fstabText(rootFsUuid: string): string {
  return [
    "# Written by kiln vm: a container template has no fstab; the VM mounts its root by filesystem UUID.",
    `UUID=${rootFsUuid}\t/\text4\trw,errors=remount-ro\t0\t1`,
    "",
  ].join("\n");
}

/** A systemd-networkd config for the VM's NIC: DHCP on any ethernet (qemu's and VirtualBox's NAT both serve DHCP). */
export const NETWORK_TEXT = [
  "# Written by kiln vm: in a container the hypervisor configures eth0; in the VM, DHCP on any wired NIC.",
  "[Match]",
  "Type=ether",
  "",
  "[Network]",
  "DHCP=yes",
  "",
].join("\n");

/** Replaces an image file (a symlink in its place is removed, never followed). */
async function writeImageFile(tree: string, imagePath: string, text: string): Promise<void> {
  const host = ensureParents(tree, imagePath, "vm file");
  await rm(host, { force: true });
  await writeFile(host, text, { mode: 0o644 });
}

/** Where kiln's fallback network file goes: after any name an image would pick, so the image's own win. */
export const KILN_NETWORK_FILE = "/etc/systemd/network/90-kiln-vm.network";

/** Adds the fstab and, when the image has systemd-networkd but no network of its own, DHCP enabled with systemctl --root. */
export async function addVmPieces(plan: Pick<VmPlan, "ids" | "network">, tree: string): Promise<void> {
  await writeImageFile(tree, "/etc/fstab", fstabText(plan.ids.rootFsUuid));
  if (plan.network === "image") return;
  if (plan.network === "none") {
    warn("the image has no systemd-networkd: the VM's NIC stays unconfigured unless the image configures it itself");
    return;
  }
  await writeImageFile(tree, KILN_NETWORK_FILE, NETWORK_TEXT);
  checkTool("systemctl", "enable systemd-networkd in the image tree", "apt-get install systemd");
  await run(systemctlArgv(tree, "enable", ["systemd-networkd.service"]));
}

/** Sets every mtime (and atime) newer than `epoch` to `epoch`, symlinks included; returns how many changed. */
export async function clampMtimes(dir: string, epoch: number): Promise<number> {
  let changed = 0;
  const visit = async (path: string): Promise<void> => {
    const st = await lstat(path);
    if (st.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name));
    // After the children: clamping a child's time does not touch its directory's mtime, but creating files did.
    if (st.mtimeMs > epoch * 1000) {
      await lutimes(path, epoch, epoch);
      changed++;
    }
  };
  await visit(dir);
  return changed;
}
