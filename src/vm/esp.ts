// The EFI system partition: FAT32 made by mkfs.vfat at the partition's offset in the disk image and filled
// with mtools (no mount). It holds systemd-boot as the removable-media loader (EFI/BOOT/BOOTX64.EFI, found
// by any UEFI firmware without NVRAM entries), its loader.conf, one boot entry, and the kernel and initrd,
// plus syslinux for BIOS firmware (bios.ts).
// mkfs.vfat takes the volume id from the image id; mtools stamps every entry with SOURCE_DATE_EPOCH (in
// UTC: run() passes no TZ), so the partition is the same bytes on every build.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkTool, run } from "../exec/run.js";
import { partitionBytes } from "./geometry.js";
import type { VmPlan } from "./types.js";

/** Where kernel and initrd go on the ESP (the entry's paths are relative to the ESP root). */
export const ESP_KERNEL_DIR = "kiln";

/** The kernel command line: root by partition UUID (the initrd resolves it), serial console last so /dev/console is ttyS0. */
export function kernelOptions(rootPartUuid: string): string {
  return `root=PARTUUID=${rootPartUuid} rw console=tty0 console=ttyS0,115200`;
}

/** loader/loader.conf: boot the kiln entry at once; the menu stays reachable by holding a key. */
export const LOADER_CONF = ["default kiln.conf", "timeout 0", "editor no", "console-mode keep", ""].join("\n");

/** loader/entries/kiln.conf: the image's kernel and initrd with the VM's command line. */
export function entryConf(plan: Pick<VmPlan, "name" | "version" | "imageId" | "boot" | "ids">): string {
  return [
    `title ${plan.name} ${plan.version} (${plan.imageId.slice(0, 19)})`,
    `version ${plan.boot.release}`,
    `linux /${ESP_KERNEL_DIR}/vmlinuz-${plan.boot.release}`,
    `initrd /${ESP_KERNEL_DIR}/initrd.img-${plan.boot.release}`,
    `options ${kernelOptions(plan.ids.rootPartUuid)}`,
    "",
  ].join("\n");
}

/** FAT32 needs at least 65525 clusters, or readers (mtools, firmware) take it for FAT16. */
const FAT32_MIN_CLUSTERS = 65525;

/**
 * Sectors per cluster for an ESP of `sectors`: the largest of 8, 4, 2, 1 that still leaves FAT32's
 * minimum cluster count (with 2% for the reserved sectors and the two FATs). mkfs.vfat's own choice
 * (8 below 8 GiB) would make a small ESP FAT16 in everyone's eyes.
 */
export function clusterSectors(sectors: number): number {
  return [8, 4, 2, 1].find((s) => (sectors * 0.98) / s >= FAT32_MIN_CLUSTERS) ?? 1;
}

/** mkfs.vfat argv for the ESP inside `disk`: FAT32, 512-byte sectors, the derived volume id, no label (a label entry would carry the clock). */
export function mkfsVfatArgv(plan: Pick<VmPlan, "layout" | "ids">, disk: string): string[] {
  const { start, sectors } = plan.layout.esp;
  const { bytes } = partitionBytes(plan.layout.esp);
  return [
    "mkfs.vfat",
    "-F",
    "32",
    "-S",
    "512",
    "-s",
    String(clusterSectors(sectors)),
    "-i",
    plan.ids.espVolumeId,
    "-h",
    String(start),
    `--offset=${start}`,
    disk,
    String(bytes / 1024),
  ];
}

/** The mtools "drive" for the ESP: the image file at the partition's byte offset. */
export function mtoolsImage(plan: Pick<VmPlan, "layout">, disk: string): string {
  return `${disk}@@${partitionBytes(plan.layout.esp).offset}`;
}

/** The environment of every mtools run: entries stamped with SOURCE_DATE_EPOCH; MTOOLS_SKIP_CHECK because the FAT's geometry fields describe no real drive, which mtools would otherwise refuse. */
export function mtoolsEnv(plan: Pick<VmPlan, "sourceDateEpoch">): Record<string, string> {
  return { SOURCE_DATE_EPOCH: String(plan.sourceDateEpoch), MTOOLS_SKIP_CHECK: "1" };
}

/** What the ESP holds: [host file, ESP path] pairs, in the order they are copied. */
export function espFiles(plan: Pick<VmPlan, "boot">, tree: string, work: string): readonly (readonly [string, string])[] {
  return [
    [join(tree, plan.boot.loader), "::/EFI/BOOT/BOOTX64.EFI"],
    [join(work, "loader.conf"), "::/loader/loader.conf"],
    [join(work, "kiln.conf"), "::/loader/entries/kiln.conf"],
    [join(tree, plan.boot.kernel), `::/${ESP_KERNEL_DIR}/vmlinuz-${plan.boot.release}`],
    [join(tree, plan.boot.initrd), `::/${ESP_KERNEL_DIR}/initrd.img-${plan.boot.release}`],
  ];
}

/** Formats the ESP and copies the loader, its configuration, kernel and initrd onto it. */
export async function makeEsp(o: { readonly plan: VmPlan; readonly disk: string; readonly tree: string; readonly work: string }): Promise<void> {
  checkTool("mkfs.vfat", "format the EFI system partition", "apt-get install dosfstools");
  for (const t of ["mmd", "mcopy"]) checkTool(t, "fill the EFI system partition without mounting it", "apt-get install mtools");
  await run(mkfsVfatArgv(o.plan, o.disk));
  await writeFile(join(o.work, "loader.conf"), LOADER_CONF);
  await writeFile(join(o.work, "kiln.conf"), entryConf(o.plan));
  const env = mtoolsEnv(o.plan);
  const img = mtoolsImage(o.plan, o.disk);
  await run(["mmd", "-i", img, "::/EFI", "::/EFI/BOOT", "::/loader", "::/loader/entries", `::/${ESP_KERNEL_DIR}`], { env });
  for (const [from, to] of espFiles(o.plan, o.tree, o.work)) await run(["mcopy", "-i", img, "-D", "o", from, to], { env });
}
