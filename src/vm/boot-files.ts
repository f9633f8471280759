// Finding what boots in an image tree, from the store's file index (nothing is extracted for this):
// the newest /boot/vmlinuz-<release>, its /boot/initrd.img-<release>, and systemd-boot's EFI binary.
import type { IndexEntry } from "../archive/types.js";
import type { BootFiles } from "./types.js";

/** Where the systemd-boot package puts its x86-64 EFI binary (merged /usr first, then the legacy path). */
export const LOADER_PATHS = ["usr/lib/systemd/boot/efi/systemd-bootx64.efi", "lib/systemd/boot/efi/systemd-bootx64.efi"] as const;

/** An index path without a leading "./" or "/". */
export function cleanPath(path: string): string {
  return path.replace(/^\.?\/+/, "");
}

/** What findBootFiles found, and the problems that stop a VM being made from the image. */
export interface BootFilesResult {
  readonly boot?: BootFiles;
  /** Bytes of kernel + initrd + loader (what the ESP must hold). */
  readonly bytes: number;
  readonly problems: readonly string[];
}

/** Kernel releases in natural order: "6.1.0-9-amd64" before "6.1.0-28-amd64". */
function compareRelease(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/** Picks the newest kernel with an initrd, and the loader; every missing piece is a problem with its fix. */
export function findBootFiles(index: readonly IndexEntry[]): BootFilesResult {
  const files = new Map<string, IndexEntry>();
  for (const e of index) if (e.type === "file") files.set(cleanPath(e.path), e);
  const releases = [...files.keys()]
    .map((p) => /^boot\/vmlinuz-(.+)$/.exec(p)?.[1])
    .filter((r): r is string => r !== undefined)
    .sort(compareRelease);
  const problems: string[] = [];
  const release = releases.at(-1);
  if (release === undefined) problems.push("the image has no kernel (/boot/vmlinuz-*): add linux-image-amd64 to the recipe's [apt] packages");
  else if (!files.has(`boot/initrd.img-${release}`))
    problems.push(`the image has no initrd for kernel ${release} (/boot/initrd.img-${release}): add initramfs-tools to the recipe's [apt] packages`);
  const loader = LOADER_PATHS.find((p) => files.has(p));
  if (!loader)
    problems.push("the image has no systemd-boot EFI binary (/usr/lib/systemd/boot/efi/systemd-bootx64.efi): add systemd-boot to the recipe's [apt] packages");
  if (problems.length || release === undefined || !loader) return { bytes: 0, problems };
  const boot: BootFiles = { release, kernel: `boot/vmlinuz-${release}`, initrd: `boot/initrd.img-${release}`, loader };
  const bytes = [boot.kernel, boot.initrd, boot.loader].reduce((n, p) => n + (files.get(p)?.size ?? 0), 0);
  return { boot, bytes, problems };
}
