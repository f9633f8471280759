import { afterAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinVmdkCid, qcow2Argv, replaceCid, vmdkArgv } from "../../../src/vm/convert.js";

/** A descriptor region as qemu leaves it: text, then NUL padding. */
function region(text: string, size = 1024): Buffer {
  const b = Buffer.alloc(size);
  b.write(text, 0, "latin1");
  return b;
}

const DESC = '# Disk DescriptorFile\nversion=1\nCID=f7280076\nparentCID=ffffffff\ncreateType="streamOptimized"\n';

describe("replaceCid", () => {
  it("replaces the CID and nothing else, keeping the region's length", () => {
    const out = replaceCid(region(DESC), "0123abcd");
    expect(out?.length).toBe(1024);
    expect(out?.toString("latin1").replace(/\0+$/, "")).toBe(DESC.replace("CID=f7280076", "CID=0123abcd"));
  });
  it("copes with qemu's unpadded CIDs (fewer than 8 digits), moving the rest of the text", () => {
    const short = DESC.replace("CID=f7280076", "CID=7280076");
    const out = replaceCid(region(short), "0000000a");
    expect(out?.toString("latin1").replace(/\0+$/, "")).toBe(DESC.replace("CID=f7280076", "CID=0000000a"));
  });
  it("leaves parentCID alone and reports a descriptor without a CID", () => {
    expect(replaceCid(region("version=1\nparentCID=ffffffff\n"), "0123abcd")).toBeUndefined();
    expect(() => replaceCid(region(DESC), "XYZ")).toThrow(/8 lowercase hex/);
  });
});

describe("pinVmdkCid", () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("finds the descriptor through the sparse header and patches it in place", async () => {
    dir = await mkdtemp(join(tmpdir(), "kiln-vmdk-"));
    const header = Buffer.alloc(512);
    header.write("KDMV", 0, "latin1");
    header.writeBigUInt64LE(1n, 28); // descriptor at sector 1 ...
    header.writeBigUInt64LE(2n, 36); // ... 2 sectors long
    const file = join(dir, "d.vmdk");
    await writeFile(file, Buffer.concat([header, region(DESC, 1024), Buffer.from("grain data")]));
    await pinVmdkCid(file, "deadbeef");
    const after = await readFile(file);
    expect(after.subarray(512, 1536).toString("latin1")).toContain("\nCID=deadbeef\n");
    expect(after.subarray(1536).toString("latin1")).toBe("grain data");
    await writeFile(file, Buffer.alloc(1024));
    await expect(pinVmdkCid(file, "deadbeef")).rejects.toThrow(/not a sparse VMDK/);
  });

  it("converts with qemu-img to the formats OVF and qemu read", () => {
    expect(vmdkArgv("a.raw", "a.vmdk")).toEqual(["qemu-img", "convert", "-q", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", "a.raw", "a.vmdk"]);
    expect(qcow2Argv("a.raw", "a.qcow2")).toContain("qcow2");
  });
});
