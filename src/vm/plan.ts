// Preflight for `kiln vm`: every bad input (unknown format, bad or too small size, an image without a
// kernel, initrd or boot loader, a foreign architecture) is found from the manifest and the store's file
// index and refused together, before anything is extracted or written.
import { resolve } from "node:path";
import type { IndexEntry } from "../archive/types.js";
import { UserError, type Problem } from "../errors.js";
import { readIndex, resolveStored, verifiedImage } from "../store/index.js";
import { shortId } from "../util/format.js";
import { cleanPath, findBootFiles } from "./boot-files.js";
import { layoutDisk, partitionBytes } from "./geometry.js";
import { diskIds } from "./ids.js";
import { defaultDiskBytes, espBytesFor, formatSize, inodesFor, parseSize, rootFits, treeStats, type TreeStats } from "./size.js";
import { NETWORKD_UNITS } from "./tree.js";
import { quoteInput } from "../util/quote.js";
import { BOOT_FIRMWARE, BOOT_HW, VM_FORMATS, type BootFirmware, type BootHw, type DiskLayout, type VmFormat, type VmOptions, type VmPlan } from "./types.js";

/** Said after every preflight refusal: preflight runs before any output exists. */
const NOTHING_WRITTEN = "nothing was written";

export const DEFAULT_FORMATS: readonly VmFormat[] = ["qcow2", "vmdk", "ova"];

/** How the VM's network gets configured (see VmPlan.network), from the image's file index. */
export function networkMode(index: readonly IndexEntry[]): VmPlan["network"] {
  const paths = index.map((e) => cleanPath(e.path));
  if (paths.some((p) => /^etc\/systemd\/network\/[^/]+\.network$/.test(p))) return "image";
  return paths.some((p) => NETWORKD_UNITS.some((u) => u === p)) ? "kiln" : "none";
}

/** Checks the requested formats; unknown ones are problems naming the allowed ones. */
export function checkFormats(requested: readonly string[] | undefined): { readonly formats: readonly VmFormat[]; readonly problems: readonly Problem[] } {
  const list = (requested ?? DEFAULT_FORMATS).map((f) => f.trim().toLowerCase()).filter(Boolean);
  const bad = list.filter((f) => !VM_FORMATS.some((v) => v === f));
  const problems: Problem[] = bad.map((f) => ({ key: "--formats", message: `unknown format '${f}' (allowed: ${VM_FORMATS.join(", ")})` }));
  if (!list.length) problems.push({ key: "--formats", message: `no format given (allowed: ${VM_FORMATS.join(", ")})` });
  const formats = VM_FORMATS.filter((f) => list.includes(f));
  return { formats, problems };
}

/** One of `allowed` (case-insensitive), the default when not given, or a problem naming the allowed values. */
export function choice<T extends string>(key: string, v: string | undefined, allowed: readonly T[], def: T): { readonly value: T; readonly problem?: Problem } {
  if (v === undefined) return { value: def };
  const found = allowed.find((a) => a === v.trim().toLowerCase());
  if (found) return { value: found };
  return { value: def, problem: { key, message: `unknown value ${quoteInput(v)} (allowed: ${allowed.join(", ")})` } };
}

/** The boot test's hardware and firmware from the user's words (see VmOptions.bootHw). */
export function bootChoices(o: { readonly bootHw?: string; readonly bootFirmware?: string }): {
  readonly hw: BootHw;
  readonly firmware: BootFirmware;
  readonly problems: readonly Problem[];
} {
  const hw = choice("--boot-hw", o.bootHw, BOOT_HW, "virtio");
  const firmware = choice("--boot-firmware", o.bootFirmware, BOOT_FIRMWARE, "uefi");
  return { hw: hw.value, firmware: firmware.value, problems: [hw.problem, firmware.problem].filter((p): p is Problem => p !== undefined) };
}

/** The smallest whole-64-MiB disk that holds the tree, for the "too small" message. */
function smallestDisk(espBytes: number, stats: TreeStats): number {
  for (let mib = 256; ; mib += 64) {
    const l = layoutDisk({ diskBytes: mib * 1024 * 1024, espBytes });
    if (l && rootFits(partitionBytes(l.root).bytes, stats)) return mib * 1024 * 1024;
  }
}

/** Lays the disk out for the requested (or default) size; a size that cannot hold the tree is a problem. */
function sizeDisk(o: { readonly size?: string; readonly espBytes: number; readonly stats: TreeStats }): {
  readonly layout?: DiskLayout;
  readonly problems: readonly Problem[];
} {
  const requested = o.size === undefined ? defaultDiskBytes(o.stats) : parseSize(o.size);
  if (requested === undefined) return { problems: [{ key: "--size", message: `'${o.size}' is not a size: write e.g. 4G, 1536M or 2GiB` }] };
  const layout = layoutDisk({ diskBytes: requested, espBytes: o.espBytes });
  if (layout && rootFits(partitionBytes(layout.root).bytes, o.stats)) return { layout, problems: [] };
  const least = smallestDisk(o.espBytes, o.stats);
  return {
    problems: [
      {
        key: "--size",
        message: `${o.size ?? formatSize(requested)} is too small for the image (${formatSize(o.stats.dataBytes)} of files, a ${formatSize(o.espBytes)} ESP, ext4 metadata): give --size ${formatSize(least)} or more`,
      },
    ],
  };
}

/** A whole number in [min, max], or a problem. */
function intOption(key: string, v: number | undefined, def: number, min: number, max: number): { readonly value: number; readonly problem?: Problem } {
  if (v === undefined) return { value: def };
  if (Number.isInteger(v) && v >= min && v <= max) return { value: v };
  return { value: def, problem: { key, message: `'${v}' is out of range: give a whole number from ${min} to ${max}` } };
}

/** Resolves the image and checks everything; throws one UserError with every problem, or returns the plan. */
export async function planVm(o: VmOptions): Promise<VmPlan> {
  const { formats, problems: formatProblems } = checkFormats(o.formats);
  const problems: Problem[] = [...formatProblems];
  const cpus = intOption("--cpus", o.cpus, 2, 1, 64);
  const memory = intOption("--memory", o.memoryMiB, 2048, 256, 1024 * 1024);
  const port = intOption("--guest-port", o.guestPort, 7147, 1, 65535);
  const timeout = intOption("--boot-timeout", o.bootTimeoutSec, 300, 10, 3600);
  const boot = bootChoices(o);
  for (const p of [cpus.problem, memory.problem, port.problem, timeout.problem, ...boot.problems]) if (p) problems.push(p);
  if (o.bootTest && !formats.includes("qcow2")) problems.push({ key: "--boot-test", message: "the boot test boots the qcow2: add qcow2 to --formats" });
  const image = await resolveStored(o.store, o.ref).catch((e: unknown) => {
    if (!(e instanceof UserError)) throw e;
    throw new UserError([...problems, ...e.problems], { hint: NOTHING_WRITTEN });
  });
  // The template is verified against its manifest before it is extracted into a disk.
  const { manifest } = await verifiedImage(o.store, image.id);
  if (manifest.arch !== "amd64")
    problems.push({ key: "arch", message: `image ${image.id} is ${manifest.arch}: kiln vm makes x86-64 UEFI disks from amd64 images only` });
  const index = await readIndex(o.store, image.id);
  const found = findBootFiles(index);
  problems.push(...found.problems.map((message) => ({ file: image.template, message })));
  const stats = treeStats(index);
  const espBytes = espBytesFor(found.bytes);
  const sized = sizeDisk({ size: o.size, espBytes, stats });
  problems.push(...sized.problems);
  if (problems.length || !found.boot || !sized.layout) throw new UserError(problems, { hint: NOTHING_WRITTEN });
  const stem = `${manifest.name}_${manifest.version}-${shortId(image.id)}`;
  return {
    imageId: image.id,
    name: manifest.name,
    version: manifest.version,
    template: image.template,
    sourceDateEpoch: manifest.sourceDateEpoch,
    formats,
    out: resolve(o.out ?? `vm-${manifest.name}-${shortId(image.id)}`),
    stem,
    boot: found.boot,
    network: networkMode(index),
    layout: sized.layout,
    ids: diskIds(image.id),
    inodes: inodesFor(partitionBytes(sized.layout.root).bytes, stats),
    treeBytes: stats.dataBytes,
    cpus: cpus.value,
    memoryMiB: memory.value,
    bootTest: o.bootTest ? { guestPort: port.value, timeoutSec: timeout.value, hw: boot.hw, firmware: boot.firmware } : undefined,
  };
}
