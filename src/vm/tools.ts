// The tools `kiln vm` runs: checked before any work, and their versions recorded in vm.json, because a
// reproducible disk is only promised for the same versions of the tools that wrote it.
import { checkTool, run } from "../exec/run.js";
import type { VmFormat } from "./types.js";

/** [tool, what kiln needs it for, Debian package]. */
type Need = readonly [string, string, string];

/** The tools every build needs. */
const BUILD: readonly Need[] = [
  ["tar", "extract the template and write the OVA", "tar"],
  ["zstd", "decompress the template", "zstd"],
  ["systemctl", "enable systemd-networkd in the image tree", "systemd"],
  ["sfdisk", "write the GPT partition table", "fdisk"],
  ["mke2fs", "build the ext4 root filesystem without mounting it", "e2fsprogs"],
  ["dumpe2fs", "list the root filesystem's inodes", "e2fsprogs"],
  ["debugfs", "pin inode times in the root filesystem", "e2fsprogs"],
  ["mkfs.vfat", "format the EFI system partition", "dosfstools"],
  ["mmd", "fill the EFI system partition without mounting it", "mtools"],
  ["mcopy", "fill the EFI system partition without mounting it", "mtools"],
  ["syslinux", "install the BIOS fallback loader on the EFI system partition", "syslinux syslinux-common"],
];

/** The tools the boot test needs on top. */
const BOOT: readonly Need[] = [["qemu-system-x86_64", "boot the VM for the smoke test", "qemu-system-x86"]];

/** Fails before any work if a tool is missing, naming the package that has it. */
export function checkVmTools(formats: readonly VmFormat[], bootTest: boolean): void {
  const needs = [
    ...BUILD,
    ...(formats.some((f) => f !== "raw") ? [["qemu-img", "convert the raw disk to qcow2 and VMDK", "qemu-utils"] as const] : []),
    ...(bootTest ? BOOT : []),
  ];
  for (const [tool, why, pkg] of needs) checkTool(tool, why, `apt-get install ${pkg}`);
}

/** First line of a tool's version output that contains a version number. */
async function versionOf(argv: readonly string[]): Promise<string> {
  const r = await run(argv, { allowFailure: true }).catch(() => undefined);
  const text = `${r?.stdout ?? ""}\n${r?.stderr ?? ""}`;
  return (
    text
      .split("\n")
      .find((l) => /\d+\.\d+/.test(l))
      ?.trim() ?? "unknown"
  );
}

/** Versions of the tools whose output ends up in the disk files. */
export async function toolVersions(): Promise<Readonly<Record<string, string>>> {
  const probes: Record<string, readonly string[]> = {
    e2fsprogs: ["mke2fs", "-V"],
    dosfstools: ["mkfs.vfat", "--help"],
    mtools: ["mcopy", "--version"],
    syslinux: ["syslinux", "--version"],
    "util-linux": ["sfdisk", "--version"],
    tar: ["tar", "--version"],
    "qemu-img": ["qemu-img", "--version"],
  };
  const out: Record<string, string> = {};
  for (const [name, argv] of Object.entries(probes)) out[name] = await versionOf(argv);
  return out;
}
