// The boot test's qemu command line, built apart from running it so a unit test can read it: q35 with
// OVMF (UEFI) or SeaBIOS (the disk's BIOS fallback), the disk and NIC either virtio or what VirtualBox and
// VMware give the OVA (AHCI, e1000), user-mode networking restricted to the host (`restrict=on`: the guest
// reaches nothing) with one loopback port forwarded to the guest, and the serial console into a file.
import { constants } from "node:fs";
import { access, open, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { BootFirmware, BootHw } from "./types.js";

export { BOOT_FIRMWARE, BOOT_HW, type BootFirmware, type BootHw } from "./types.js";

export const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
export const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";
/** The SeaBIOS image qemu loads by default (Debian's seabios package). */
export const SEABIOS = "/usr/share/seabios/bios-256k.bin";

export type Accel = "kvm" | "tcg";

export interface QemuOptions {
  /** The throwaway overlay to boot (never the output itself). */
  readonly disk: string;
  /** A private copy of OVMF's variable store (the firmware writes to it); UEFI only. */
  readonly vars?: string;
  readonly serialLog: string;
  readonly hostPort: number;
  readonly guestPort: number;
  readonly accel: Accel;
  readonly memoryMiB?: number;
  readonly cpus?: number;
  readonly code?: string;
  /** Default "virtio". */
  readonly hw?: BootHw;
  /** Default "uefi". */
  readonly firmware?: BootFirmware;
}

/** Escapes a value for qemu's comma-separated option syntax (a comma is written twice). */
export function qemuValue(s: string): string {
  return s.replace(/,/g, ",,");
}

/** The firmware's pflash drives: OVMF's read-only code and a private vars copy; none for SeaBIOS (qemu's default BIOS). */
function firmwareArgv(o: QemuOptions): string[] {
  if (o.firmware === "bios") return [];
  if (!o.vars) throw new TypeError("UEFI boot needs a private copy of OVMF's variable store (vars)");
  return [
    "-drive",
    `if=pflash,format=raw,unit=0,readonly=on,file=${qemuValue(o.code ?? OVMF_CODE)}`,
    "-drive",
    `if=pflash,format=raw,unit=1,file=${qemuValue(o.vars)}`,
  ];
}

/** The disk and NIC devices: virtio, or an AHCI controller with the disk and an e1000 (VirtualBox's 82540EM). */
function deviceArgv(hw: BootHw): string[] {
  if (hw === "ahci") return ["-device", "ahci,id=ahci0", "-device", "ide-hd,drive=d0,bus=ahci0.0,bootindex=0", "-device", "e1000,netdev=n0"];
  return ["-device", "virtio-blk-pci,drive=d0,bootindex=0", "-device", "virtio-net-pci,netdev=n0"];
}

/** The qemu-system-x86_64 argv for the boot test. */
export function qemuArgv(o: QemuOptions): string[] {
  return [
    "qemu-system-x86_64",
    "-name",
    "kiln-boot-test",
    "-machine",
    "q35",
    // -cpu max works under both accelerators; under KVM it passes the host's features through.
    "-accel",
    o.accel,
    "-cpu",
    "max",
    "-m",
    String(o.memoryMiB ?? 1024),
    "-smp",
    String(o.cpus ?? 2),
    // No default devices, no display, no monitor, no config files: only what is listed here.
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-monitor",
    "none",
    ...firmwareArgv(o),
    "-drive",
    `if=none,id=d0,format=qcow2,file=${qemuValue(o.disk)}`,
    // restrict=on: the guest cannot reach the host or the network; hostfwd still lets us in on loopback.
    "-netdev",
    `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${o.hostPort}-:${o.guestPort}`,
    ...deviceArgv(o.hw ?? "virtio"),
    "-chardev",
    `file,id=ser0,path=${qemuValue(o.serialLog)}`,
    "-serial",
    "chardev:ser0",
    // A guest that reboots or panics ends the run instead of looping.
    "-no-reboot",
  ];
}

/**
 * KVM when the CPU has hardware virtualisation (vmx/svm in /proc/cpuinfo) and /dev/kvm opens read-write,
 * else TCG. Inside a VM without nested virtualisation /dev/kvm may exist and open, yet run no guest: the
 * flag check catches that, and the boot test falls back to TCG if a KVM guest stays silent anyway.
 * KILN_VM_ACCEL=kvm|tcg overrides.
 */
export async function pickAccel(env: NodeJS.ProcessEnv = process.env): Promise<Accel> {
  if (env.KILN_VM_ACCEL === "tcg" || env.KILN_VM_ACCEL === "kvm") return env.KILN_VM_ACCEL;
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  if (!/^flags\s*:.*\b(?:vmx|svm)\b/m.test(cpuinfo)) return "tcg";
  try {
    await access("/dev/kvm", constants.R_OK | constants.W_OK);
    const fh = await open("/dev/kvm", "r+");
    await fh.close();
    return "kvm";
  } catch {
    return "tcg";
  }
}

/** A free TCP port on loopback (bound, read, released: qemu binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}
