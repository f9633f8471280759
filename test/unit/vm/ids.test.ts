import { describe, expect, it } from "vitest";
import { derivedHex32, derivedUuid, diskIds } from "../../../src/vm/ids.js";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;

describe("derived identifiers", () => {
  it("are RFC 9562 version-8 UUIDs, the same for the same image and purpose", () => {
    const u = derivedUuid(A, "gpt-disk");
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedUuid(A, "gpt-disk")).toBe(u);
  });

  it("differ between purposes and between images", () => {
    expect(derivedUuid(A, "gpt-disk")).not.toBe(derivedUuid(A, "gpt-root"));
    expect(derivedUuid(A, "gpt-disk")).not.toBe(derivedUuid(B, "gpt-disk"));
    expect(derivedHex32(A, "x")).toMatch(/^[0-9a-f]{8}$/);
    expect(derivedHex32(A, "x")).not.toBe(derivedHex32(B, "x"));
  });

  it("gives every identifier of a disk a distinct value", () => {
    const ids = diskIds(A);
    const uuids = [ids.diskGuid, ids.espPartUuid, ids.rootPartUuid, ids.rootFsUuid, ids.hashSeed, ids.vboxMachineUuid, ids.vboxDiskUuid];
    expect(new Set(uuids).size).toBe(7);
    expect(ids.espVolumeId).toMatch(/^[0-9a-f]{8}$/);
    expect(ids.vmdkCid).toMatch(/^[0-9a-f]{8}$/);
    expect(ids.vmdkCid).not.toBe("ffffffff");
    expect(diskIds(A)).toEqual(ids);
  });
});
