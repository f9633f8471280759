// Data that flows through `kiln vm`: what the caller asks for, the plan preflight makes of it, and the result.

/** Disk formats `kiln vm` can write. `raw` is the disk the others are converted from. */
export const VM_FORMATS = ["raw", "qcow2", "vmdk", "ova"] as const;
export type VmFormat = (typeof VM_FORMATS)[number];

/** The boot test's disk controller and NIC: "virtio", or "ahci" (AHCI disk + e1000 NIC, the OVA's hardware). */
export const BOOT_HW = ["virtio", "ahci"] as const;
export type BootHw = (typeof BOOT_HW)[number];
/** The boot test's firmware: OVMF ("uefi", systemd-boot) or SeaBIOS ("bios", the syslinux fallback). */
export const BOOT_FIRMWARE = ["uefi", "bios"] as const;
export type BootFirmware = (typeof BOOT_FIRMWARE)[number];

/** What `kiln vm REF` is asked to do (CLI flags after parsing). */
export interface VmOptions {
  /** Image store directory. */
  readonly store: string;
  /** Image reference: sha256:<hex>, a unique prefix, a tag, or a template path in the store. */
  readonly ref: string;
  /** Output formats (checked against VM_FORMATS); default qcow2, vmdk and ova. */
  readonly formats?: readonly string[];
  /** Whole-disk size as written by the user ("4G", "1536M"); default: tree × 1.3 + 300 MiB, rounded up. */
  readonly size?: string;
  /** Output directory; default ./vm-<name>-<12 hex of the image id>. */
  readonly out?: string;
  /** Virtual CPUs and memory (MiB) written into the OVF. */
  readonly cpus?: number;
  readonly memoryMiB?: number;
  /** Boot the qcow2 in qemu afterwards and talk to the simulator (needs qcow2 among the formats). */
  readonly bootTest?: boolean;
  /** Guest TCP port the boot test asks `?watchdog` on (default 7147, the KATCP port). */
  readonly guestPort?: number;
  /** Seconds the boot test may take before it fails (default 300). */
  readonly bootTimeoutSec?: number;
  /**
   * Work to run on the finished raw disk while the qcow2, VMDK and OVA are converted (the nightly's boot
   * test, which then waits for no conversion). It gets a path that stays valid until it settles; buildVm
   * waits for it and fails with it.
   */
  readonly alongside?: (raw: string) => Promise<unknown>;
  /** The boot test's hardware and firmware, as written by the user (checked against BOOT_HW, BOOT_FIRMWARE). */
  readonly bootHw?: string;
  readonly bootFirmware?: string;
}

/** The kernel and initrd that will boot, as paths inside the image tree (no leading '/'). */
export interface BootFiles {
  /** Kernel release, e.g. "6.1.0-28-amd64". */
  readonly release: string;
  readonly kernel: string;
  readonly initrd: string;
  /** systemd-boot's EFI binary in the image. */
  readonly loader: string;
}

/** Where the partitions sit on the disk, in 512-byte sectors. */
export interface DiskLayout {
  readonly sectorSize: 512;
  readonly totalSectors: number;
  readonly esp: { readonly start: number; readonly sectors: number };
  readonly root: { readonly start: number; readonly sectors: number };
}

/** Identifiers derived from the image id, so two builds of one image give the same disk. */
export interface DiskIds {
  readonly diskGuid: string;
  readonly espPartUuid: string;
  readonly rootPartUuid: string;
  /** ext4 filesystem UUID. */
  readonly rootFsUuid: string;
  /** ext4 directory-index hash seed. */
  readonly hashSeed: string;
  /** FAT volume id, 8 hex digits. */
  readonly espVolumeId: string;
  /** VMDK content id (CID), 8 hex digits. */
  readonly vmdkCid: string;
  /** UUIDs of the OVA's <vbox:Machine> and of its disk (vbox:uuid on the OVF Disk = the machine's attached Image). */
  readonly vboxMachineUuid: string;
  readonly vboxDiskUuid: string;
}

/** Everything preflight settled before any work: the build only executes it. */
export interface VmPlan {
  readonly imageId: string;
  readonly name: string;
  readonly version: string;
  readonly template: string;
  readonly sourceDateEpoch: number;
  readonly formats: readonly VmFormat[];
  readonly out: string;
  /** File name stem of every output: <name>_<version>-<12 hex>. */
  readonly stem: string;
  readonly boot: BootFiles;
  /**
   * How the VM's NIC gets configured: "image" when the image has its own /etc/systemd/network/*.network
   * (left alone), "kiln" when it has systemd-networkd but no such file (kiln adds DHCP and enables
   * networkd), "none" without systemd-networkd.
   */
  readonly network: "image" | "kiln" | "none";
  readonly layout: DiskLayout;
  readonly ids: DiskIds;
  /** Inodes to give the root filesystem (entries in the tree plus headroom). */
  readonly inodes: number;
  readonly treeBytes: number;
  readonly cpus: number;
  readonly memoryMiB: number;
  /** Set when the boot test is to run after the build. */
  readonly bootTest?: { readonly guestPort: number; readonly timeoutSec: number; readonly hw: BootHw; readonly firmware: BootFirmware };
}

/** One output file as written. */
export interface VmOutput {
  readonly format: VmFormat;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** Whether the same image gives the same bytes on every build, and why (not). */
  readonly reproducible: boolean;
  readonly why: string;
}

/** What `kiln vm` returns (and prints with --json); vm.json holds the same minus timings. */
export interface VmResult {
  readonly image: string;
  readonly out: string;
  readonly diskBytes: number;
  readonly outputs: readonly VmOutput[];
  /** Seconds per stage (extract, disk, qcow2, …): for the nightly report, not written to vm.json. */
  readonly timings: Readonly<Record<string, number>>;
  readonly bootTest?: BootTestResult;
}

/** Stages of the boot smoke test, in order; a result names the last one reached. */
export const BOOT_STAGES = ["started", "firmware", "kernel", "multi-user", "watchdog"] as const;
export type BootStage = (typeof BOOT_STAGES)[number];

/** The boot smoke test's verdict. */
export interface BootTestResult {
  readonly ok: boolean;
  readonly stage: BootStage;
  readonly seconds: number;
  /** The serial console log, kept next to the outputs. */
  readonly log: string;
  readonly accel: "kvm" | "tcg";
  /** What it booted on: disk controller + NIC ("virtio" or "ahci" with e1000) and firmware ("uefi" or "bios"). */
  readonly hw: BootHw;
  readonly firmware: BootFirmware;
  /** Why it failed, when it did. */
  readonly error?: string;
}
