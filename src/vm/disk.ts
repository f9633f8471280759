// The raw disk: a sparse file of the planned size, a GPT written by sfdisk from a script (derived GUIDs),
// the ext4 root filled from the tree and the ESP — each written in place at its partition's offset — then
// the BIOS fallback (syslinux on the ESP, gptmbr.bin in the MBR).
import { open } from "node:fs/promises";
import { checkTool, run } from "../exec/run.js";
import { inStep } from "../errors.js";
import { installBiosBoot } from "./bios.js";
import { makeEsp } from "./esp.js";
import { SECTOR, sfdiskScript } from "./geometry.js";
import { makeRootFs } from "./rootfs.js";
import type { VmPlan } from "./types.js";

/** sfdisk argv for writing a scripted table to an image file (no kernel to tell about a regular file). */
export function sfdiskArgv(disk: string): string[] {
  return ["sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", "--wipe", "never", disk];
}

/** Creates `disk` as a sparse file of the planned size (replacing any file there). */
async function sparseFile(disk: string, bytes: number): Promise<void> {
  const fh = await open(disk, "w", 0o644);
  try {
    await fh.truncate(bytes);
  } finally {
    await fh.close();
  }
}

/** Writes the whole raw disk from the prepared tree. */
export async function makeDisk(o: { readonly plan: VmPlan; readonly disk: string; readonly tree: string; readonly work: string }): Promise<void> {
  checkTool("sfdisk", "write the disk's GPT partition table", "apt-get install fdisk");
  await sparseFile(o.disk, o.plan.layout.totalSectors * SECTOR);
  await inStep("partition table", () => run(sfdiskArgv(o.disk), { input: sfdiskScript(o.plan.layout, o.plan.ids) }));
  await inStep("root filesystem", () => makeRootFs(o));
  await inStep("EFI system partition", () => makeEsp(o));
  await inStep("BIOS fallback loader", () => installBiosBoot(o));
}
