// The BIOS fallback, so the bare qcow2/VMDK also boots in a hand-made VM without UEFI: the ESP is marked
// legacy-BIOS-bootable (GPT attribute bit 2, in the sfdisk script), syslinux's gptmbr.bin goes into the
// protective MBR's boot code (440 bytes; the disk signature and the partition entry after it stay), and
// syslinux is installed into the ESP through mtools (`syslinux --install --offset`, no mount). gptmbr.bin
// chain-loads the first partition with bit 2 set; syslinux then boots the kernel and initrd systemd-boot
// uses, with the same command line. UEFI firmware ignores all three. Deterministic: syslinux writes its
// files with mtools (SOURCE_DATE_EPOCH) and patches only sector lists that follow from the FAT's layout.
import { open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ToolError } from "../errors.js";
import { checkTool, run } from "../exec/run.js";
import { ESP_KERNEL_DIR, kernelOptions, mtoolsEnv, mtoolsImage } from "./esp.js";
import { partitionBytes } from "./geometry.js";
import type { VmPlan } from "./types.js";

/** Where Debian's syslinux-common keeps the GPT-aware MBR boot code. */
export const GPTMBR = "/usr/lib/syslinux/mbr/gptmbr.bin";
/** The MBR's boot code area: bytes 0–439 (the disk signature and partition table follow). */
export const MBR_CODE_BYTES = 440;
/** The ESP directory syslinux is installed into (ldlinux.sys, ldlinux.c32, syslinux.cfg). */
export const SYSLINUX_DIR = "syslinux";

/** syslinux.cfg: the serial console first (syslinux wants SERIAL as the first directive), then the one entry, at once. */
export function syslinuxCfg(plan: Pick<VmPlan, "boot" | "ids">): string {
  return [
    "# Written by kiln vm: the BIOS fallback boots what systemd-boot's entry boots (loader/entries/kiln.conf).",
    "SERIAL 0 115200",
    "DEFAULT kiln",
    "PROMPT 0",
    "TIMEOUT 0",
    "LABEL kiln",
    `  LINUX /${ESP_KERNEL_DIR}/vmlinuz-${plan.boot.release}`,
    `  INITRD /${ESP_KERNEL_DIR}/initrd.img-${plan.boot.release}`,
    `  APPEND ${kernelOptions(plan.ids.rootPartUuid)}`,
    "",
  ].join("\n");
}

/** The argv installing syslinux into the FAT at the ESP's byte offset inside `disk` (Debian's mtools-based installer). */
export function syslinuxArgv(plan: Pick<VmPlan, "layout">, disk: string): string[] {
  return ["syslinux", "--install", "--offset", String(partitionBytes(plan.layout.esp).offset), "--directory", `/${SYSLINUX_DIR}`, disk];
}

/** Copies the 440 bytes of boot code over the start of the protective MBR. */
export async function writeMbrCode(disk: string, code: Buffer): Promise<void> {
  if (code.length !== MBR_CODE_BYTES)
    throw new ToolError(`${GPTMBR} is ${code.length} bytes, expected ${MBR_CODE_BYTES}: is syslinux-common's gptmbr.bin installed?`);
  const fh = await open(disk, "r+");
  try {
    await fh.write(code, 0, MBR_CODE_BYTES, 0);
  } finally {
    await fh.close();
  }
}

/** Installs the BIOS loader on the disk whose ESP makeEsp() has filled. */
export async function installBiosBoot(o: { readonly plan: VmPlan; readonly disk: string; readonly work: string }): Promise<void> {
  checkTool("syslinux", "install the BIOS fallback loader on the EFI system partition", "apt-get install syslinux syslinux-common");
  const code = await readFile(GPTMBR).catch(() => {
    throw new ToolError(`could not read ${GPTMBR}, the MBR boot code of the BIOS fallback\nhint: apt-get install syslinux-common`);
  });
  const env = mtoolsEnv(o.plan);
  const img = mtoolsImage(o.plan, o.disk);
  const cfg = join(o.work, "syslinux.cfg");
  await writeFile(cfg, syslinuxCfg(o.plan));
  await run(["mmd", "-i", img, `::/${SYSLINUX_DIR}`], { env });
  await run(["mcopy", "-i", img, "-D", "o", cfg, `::/${SYSLINUX_DIR}/syslinux.cfg`], { env });
  await run(syslinuxArgv(o.plan, o.disk), { env });
  await writeMbrCode(o.disk, code);
}
