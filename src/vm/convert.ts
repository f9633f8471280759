// Conversions of the raw disk with qemu-img: qcow2 (for qemu/KVM and the boot test) and a streamOptimized
// VMDK (compressed grains; what an OVA carries). qemu-img draws the VMDK descriptor's CID (content id) at
// random and writes the file's own name into the descriptor's extent line; kiln writes under the final
// name and replaces the CID with one derived from the image id, so the VMDK is reproducible too.
import { open } from "node:fs/promises";
import { ToolError } from "../errors.js";
import { run } from "../exec/run.js";

/** qemu-img argv converting the raw disk to qcow2. */
export function qcow2Argv(raw: string, out: string): string[] {
  return ["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, out];
}

/** qemu-img argv converting the raw disk to a streamOptimized VMDK (the subformat OVF packages use). */
export function vmdkArgv(raw: string, out: string): string[] {
  return ["qemu-img", "convert", "-q", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", raw, out];
}

/** Where a sparse extent header keeps the descriptor's offset and size (both in sectors, uint64 LE). */
const DESC_OFFSET_AT = 28;
const DESC_SIZE_AT = 36;

/**
 * Sets the `CID=` line of an embedded descriptor (text up to the first NUL, then NUL padding) and returns a
 * buffer of the same length, or undefined if there is no CID line. qemu writes the CID with "%x", so a
 * CID below 0x10000000 has fewer than 8 digits and the text after it moves: the whole text is rewritten.
 */
export function replaceCid(descriptor: Buffer, cid: string): Buffer | undefined {
  if (!/^[0-9a-f]{8}$/.test(cid)) throw new TypeError(`CID must be 8 lowercase hex digits, got '${cid}'`);
  const end = descriptor.indexOf(0);
  const text = descriptor.subarray(0, end < 0 ? descriptor.length : end).toString("latin1");
  if (!/^CID=[0-9a-fA-F]{1,8}$/m.test(text)) return undefined;
  const next = text.replace(/^CID=[0-9a-fA-F]{1,8}$/m, `CID=${cid}`);
  if (next.length > descriptor.length) return undefined;
  const out = Buffer.alloc(descriptor.length);
  out.write(next, 0, "latin1");
  return out;
}

/** Writes the derived CID into a sparse VMDK's embedded descriptor, in place. */
export async function pinVmdkCid(vmdk: string, cid: string): Promise<void> {
  const fh = await open(vmdk, "r+");
  try {
    const header = Buffer.alloc(512);
    await fh.read(header, 0, 512, 0);
    if (header.toString("latin1", 0, 4) !== "KDMV") throw new ToolError(`${vmdk}: not a sparse VMDK (no KDMV header)`);
    const offset = Number(header.readBigUInt64LE(DESC_OFFSET_AT)) * 512;
    const size = Number(header.readBigUInt64LE(DESC_SIZE_AT)) * 512;
    if (!offset || !size || size > 1024 * 1024) throw new ToolError(`${vmdk}: the VMDK has no embedded descriptor (offset ${offset}, size ${size})`);
    const desc = Buffer.alloc(size);
    await fh.read(desc, 0, size, offset);
    const patched = replaceCid(desc, cid);
    if (!patched) throw new ToolError(`${vmdk}: no CID line in the VMDK descriptor (did qemu-img change its format?)`);
    await fh.write(patched, 0, patched.length, offset);
  } finally {
    await fh.close();
  }
}

/** Converts the raw disk to qcow2. */
export async function toQcow2(raw: string, out: string): Promise<void> {
  await run(qcow2Argv(raw, out));
}

/** Converts the raw disk to a streamOptimized VMDK with the derived CID. */
export async function toVmdk(raw: string, out: string, cid: string): Promise<void> {
  await run(vmdkArgv(raw, out));
  await pinVmdkCid(out, cid);
}
