// Identifiers a disk build would otherwise draw at random (GPT GUIDs, filesystem UUIDs, hash seeds, the
// FAT volume id, the VMDK content id, the OVA's VirtualBox machine and disk UUIDs), derived from the image id instead: the same image gives the same disk.
import { createHash } from "node:crypto";
import type { DiskIds } from "./types.js";

/** The first `bytes` bytes of sha256("kiln-vm:<purpose>:<image id>"). */
function derive(imageId: string, purpose: string, bytes: number): Buffer {
  return createHash("sha256").update(`kiln-vm:${purpose}:${imageId}`).digest().subarray(0, bytes);
}

/**
 * A UUID derived from the image id for one purpose. Marked as RFC 9562 version 8 ("custom"), variant
 * 10xx: it is neither random (v4) nor a v5 name hash, and saying so is honest; every tool takes it.
 */
export function derivedUuid(imageId: string, purpose: string): string {
  const b = Buffer.from(derive(imageId, purpose, 16));
  b.writeUInt8((b.readUInt8(6) & 0x0f) | 0x80, 6);
  b.writeUInt8((b.readUInt8(8) & 0x3f) | 0x80, 8);
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** 32 bits derived from the image id, as 8 lowercase hex digits (FAT volume id, VMDK CID). */
export function derivedHex32(imageId: string, purpose: string): string {
  return derive(imageId, purpose, 4).toString("hex");
}

/** Every identifier of one image's disk. */
export function diskIds(imageId: string): DiskIds {
  return {
    diskGuid: derivedUuid(imageId, "gpt-disk"),
    espPartUuid: derivedUuid(imageId, "gpt-esp"),
    rootPartUuid: derivedUuid(imageId, "gpt-root"),
    rootFsUuid: derivedUuid(imageId, "ext4-uuid"),
    hashSeed: derivedUuid(imageId, "ext4-hash-seed"),
    espVolumeId: derivedHex32(imageId, "fat-volume-id"),
    // A CID of ffffffff means "no parent" in a child's parentCID: never derive that one.
    vmdkCid: derivedHex32(imageId, "vmdk-cid").replace(/^ffffffff$/, "fffffffe"),
    vboxMachineUuid: derivedUuid(imageId, "vbox-machine"),
    vboxDiskUuid: derivedUuid(imageId, "vbox-disk"),
  };
}
