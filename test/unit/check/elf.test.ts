import { describe, expect, it } from "vitest";
import { readElfArch } from "../../../src/rootfs/elf.js";
import { elfHeader } from "./minimal-tree.js";

describe("readElfArch", () => {
  it("maps e_machine and class to Debian architectures", () => {
    expect(readElfArch(elfHeader())).toBe("amd64");
    expect(readElfArch(elfHeader({ machine: 183 }))).toBe("arm64");
    expect(readElfArch(elfHeader({ machine: 3, cls: 1 }))).toBe("i386");
    expect(readElfArch(elfHeader({ machine: 243 }))).toBe("riscv64");
  });

  it("tells armhf from armel by the hard-float flag", () => {
    expect(readElfArch(elfHeader({ machine: 40, cls: 1, flags: 0x05000400 }))).toBe("armhf");
    expect(readElfArch(elfHeader({ machine: 40, cls: 1, flags: 0x05000000 }))).toBe("armel");
  });

  it("refuses what is not a known ELF", () => {
    expect(readElfArch(Buffer.from("#!/bin/sh\necho hi\n".padEnd(64)))).toBeUndefined();
    expect(readElfArch(elfHeader().subarray(0, 20))).toBeUndefined();
    expect(readElfArch(elfHeader({ machine: 62, cls: 1 }))).toBeUndefined();
    expect(readElfArch(elfHeader({ machine: 9999 }))).toBeUndefined();
  });
});
