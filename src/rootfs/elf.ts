// Reads a Debian architecture from an ELF header: what `kiln check` and `kiln pack` learn from /bin/sh.

/** Bytes of a file's head that readElfArch needs (the ELF header is 52 bytes on 32-bit, 64 on 64-bit). */
export const ELF_HEAD_BYTES = 64;

// e_machine values (elf.h) → Debian architecture, per ELF class. ARM is refined by its float ABI below.
const MACHINES: Readonly<Record<number, { readonly 32?: string; readonly 64?: string }>> = {
  3: { 32: "i386" },
  62: { 64: "amd64" },
  183: { 64: "arm64" },
  40: { 32: "armhf" },
  243: { 32: "riscv32", 64: "riscv64" },
  21: { 64: "ppc64el" },
  22: { 64: "s390x" },
};

/** e_flags bit that marks an ARM EABI hard-float binary (armhf rather than armel). */
const EF_ARM_ABI_FLOAT_HARD = 0x400;

/** The Debian architecture of an ELF file from its first bytes, or undefined if it is not a known ELF. */
export function readElfArch(head: Uint8Array): string | undefined {
  if (head.length < 52 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return undefined;
  const cls = head[4] === 1 ? 32 : head[4] === 2 ? 64 : undefined;
  const little = head[5] === 1 ? true : head[5] === 2 ? false : undefined;
  if (cls === undefined || little === undefined) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const machine = view.getUint16(18, little);
  const arch = MACHINES[machine]?.[cls];
  if (arch === "armhf") {
    // e_flags sits at offset 36 in a 32-bit header.
    const flags = view.getUint32(36, little);
    return flags & EF_ARM_ABI_FLOAT_HARD ? "armhf" : "armel";
  }
  if (arch === "ppc64el" && !little) return "ppc64";
  return arch;
}
