// The disk's geometry: where the EFI system partition and the root partition sit on a GPT disk, and the
// sfdisk script that writes that table. Pure arithmetic, so a unit test can check every boundary.
import type { DiskIds, DiskLayout } from "./types.js";

export const SECTOR = 512;
export const MiB = 1024 * 1024;
/** Partitions start on 1 MiB boundaries (what every partitioning tool does; good for any block size). */
export const ALIGN_SECTORS = MiB / SECTOR;
/** A GPT at either end: protective MBR + header + 128 entries × 128 bytes (the primary), header + entries (the backup). */
export const GPT_PRIMARY_SECTORS = 1 + 1 + 32;
export const GPT_BACKUP_SECTORS = 1 + 32;

/** GPT partition type GUIDs: the EFI system partition, and "Linux root (x86-64)" from the Discoverable Partitions Specification. */
export const ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
export const ROOT_X86_64_TYPE = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709";

/** GPT attribute bit 2 on the ESP: syslinux's gptmbr.bin boots the partition that has it (the BIOS fallback, bios.ts). */
export const ESP_ATTRS = "LegacyBIOSBootable";

/** Rounds `n` up to a multiple of `m`. */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/**
 * Lays out a disk of `diskBytes` (rounded up to whole MiB) with an ESP of `espBytes` (rounded up to
 * whole MiB) first and the root partition filling the rest up to the last whole MiB before the backup GPT.
 * Returns undefined if no root partition of at least 1 MiB fits.
 */
export function layoutDisk(o: { readonly diskBytes: number; readonly espBytes: number }): DiskLayout | undefined {
  const totalSectors = roundUp(o.diskBytes, MiB) / SECTOR;
  const espStart = ALIGN_SECTORS;
  const espSectors = roundUp(o.espBytes, MiB) / SECTOR;
  const rootStart = espStart + espSectors;
  const lastUsable = totalSectors - GPT_BACKUP_SECTORS - 1;
  const rootSectors = Math.floor((lastUsable + 1 - rootStart) / ALIGN_SECTORS) * ALIGN_SECTORS;
  if (rootSectors < ALIGN_SECTORS) return undefined;
  return { sectorSize: SECTOR, totalSectors, esp: { start: espStart, sectors: espSectors }, root: { start: rootStart, sectors: rootSectors } };
}

/** Byte offset and length of a partition. */
export function partitionBytes(p: { readonly start: number; readonly sectors: number }): { readonly offset: number; readonly bytes: number } {
  return { offset: p.start * SECTOR, bytes: p.sectors * SECTOR };
}

/**
 * sfdisk's scripted input for the layout: a GPT with the derived disk and partition GUIDs, so the table
 * is the same bytes on every build (sfdisk would otherwise draw them at random).
 */
export function sfdiskScript(layout: DiskLayout, ids: DiskIds): string {
  return [
    "label: gpt",
    `label-id: ${ids.diskGuid}`,
    "unit: sectors",
    `sector-size: ${layout.sectorSize}`,
    `first-lba: ${GPT_PRIMARY_SECTORS}`,
    `start=${layout.esp.start}, size=${layout.esp.sectors}, type=${ESP_TYPE}, uuid=${ids.espPartUuid}, name="ESP", attrs="${ESP_ATTRS}"`,
    `start=${layout.root.start}, size=${layout.root.sectors}, type=${ROOT_X86_64_TYPE}, uuid=${ids.rootPartUuid}, name="root"`,
    "",
  ].join("\n");
}
