// The OVA: a ustar archive of the OVF descriptor (first, as DSP0243 requires), the .mf manifest with
// SHA-256 digests, and the VMDK. GNU tar writes it with a fixed member order, owner 0:0, mode 0644 and
// mtime SOURCE_DATE_EPOCH, so the same descriptor and VMDK always give the same archive.
import { rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { run } from "../exec/run.js";
import { sha256File, sha256Hex } from "../util/hash.js";
import { manifestText, ovfXml } from "./ovf.js";
import { SECTOR } from "./geometry.js";
import type { VmPlan } from "./types.js";

/** GNU tar argv for the OVA: members in the order given (OVF first), ustar as OVF requires, no host metadata. */
export function ovaTarArgv(o: { readonly ova: string; readonly dir: string; readonly members: readonly string[]; readonly epoch: number }): string[] {
  return [
    "tar",
    "--create",
    "--file",
    o.ova,
    "--directory",
    o.dir,
    "--format=ustar",
    `--mtime=@${o.epoch}`,
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mode=u=rw,go=r",
    "--",
    ...o.members,
  ];
}

/** What an importer shows: where the VM came from, how it boots, and where its console is. */
export function annotation(plan: Pick<VmPlan, "name" | "version" | "imageId">): string {
  return (
    `${plan.name} ${plan.version}, built by kiln from image ${plan.imageId}. ` +
    "Boots with UEFI (VirtualBox and VMware get EFI firmware from this OVF); the disk also boots with a BIOS. " +
    "Serial console on the first serial port (COM1) at 115200 baud."
  );
}

/** Writes `<stem>.ova` next to the VMDK (which must already carry its final name) and returns its path. */
export async function makeOva(plan: VmPlan, vmdk: string): Promise<string> {
  const dir = dirname(vmdk);
  const ovfName = `${plan.stem}.ovf`;
  const mfName = `${plan.stem}.mf`;
  const ovf = ovfXml({
    name: plan.name,
    annotation: annotation(plan),
    cpus: plan.cpus,
    memoryMiB: plan.memoryMiB,
    diskFile: basename(vmdk),
    diskFileBytes: (await stat(vmdk)).size,
    capacityBytes: plan.layout.totalSectors * SECTOR,
    machineUuid: plan.ids.vboxMachineUuid,
    diskUuid: plan.ids.vboxDiskUuid,
  });
  const mf = manifestText([
    { name: ovfName, sha256: sha256Hex(ovf) },
    { name: basename(vmdk), sha256: await sha256File(vmdk) },
  ]);
  await writeFile(join(dir, ovfName), ovf);
  await writeFile(join(dir, mfName), mf);
  const ova = join(dir, `${plan.stem}.ova`);
  try {
    await run(ovaTarArgv({ ova, dir, members: [ovfName, mfName, basename(vmdk)], epoch: plan.sourceDateEpoch }));
  } finally {
    await rm(join(dir, ovfName), { force: true });
    await rm(join(dir, mfName), { force: true });
  }
  return ova;
}
