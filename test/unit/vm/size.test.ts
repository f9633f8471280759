import { describe, expect, it } from "vitest";
import type { IndexEntry } from "../../../src/archive/types.js";
import { MiB } from "../../../src/vm/geometry.js";
import { defaultDiskBytes, espBytesFor, formatSize, inodesFor, journalBytes, parseSize, rootFits, treeStats } from "../../../src/vm/size.js";

const entry = (path: string, type: IndexEntry["type"], size = 0, digest = ""): IndexEntry => ({ path, type, mode: 0o644, uid: 0, gid: 0, size, digest });

describe("parseSize", () => {
  it("reads binary units, decimals and plain bytes", () => {
    expect(parseSize("4G")).toBe(4 * 1024 * MiB);
    expect(parseSize("1536M")).toBe(1536 * MiB);
    expect(parseSize("2GiB")).toBe(2 * 1024 * MiB);
    expect(parseSize("1.5g")).toBe(1.5 * 1024 * MiB);
    expect(parseSize("512k")).toBe(512 * 1024);
    expect(parseSize("1048576")).toBe(MiB);
  });
  it("refuses what is not a size", () => {
    for (const bad of ["", "G", "4X", "-1G", "0", "four", "4 G B"]) expect(parseSize(bad), bad).toBeUndefined();
  });
  it("formats for messages", () => {
    expect(formatSize(1536 * MiB)).toBe("1536M");
    expect(formatSize(20 * 1024 * MiB)).toBe("20.0G");
  });
});

describe("treeStats", () => {
  it("counts whole blocks per file, long symlinks, directories by their entries, and no inode for hard links", () => {
    const s = treeStats([
      entry("etc", "dir"),
      entry("etc/a", "file", 1),
      entry("etc/b", "file", 4097),
      entry("etc/short", "symlink", 0, "a"),
      entry("etc/long", "symlink", 0, "x".repeat(60)),
      entry("etc/hard", "hardlink", 0, "etc/a"),
      entry("empty", "dir"),
    ]);
    expect(s.inodes).toBe(1 + 6); // root + everything but the hard link
    // files 1 + 2 blocks, long symlink 1 block, three directories (root, etc, empty) 1 block each
    expect(s.dataBytes).toBe((1 + 2 + 1 + 3) * 4096);
  });
  it("gives a directory with many entries more than one block", () => {
    const many = Array.from({ length: 500 }, (_, i) => entry(`d/file-with-a-long-name-${i}`, "file", 0));
    expect(treeStats([entry("d", "dir"), ...many]).dataBytes).toBeGreaterThan(2 * 4096);
  });
});

describe("sizing", () => {
  it("follows mke2fs's journal table", () => {
    expect(journalBytes(1000)).toBe(0);
    expect(journalBytes(32767)).toBe(1024 * 4096);
    expect(journalBytes(300_000)).toBe(8192 * 4096);
    expect(journalBytes(1_000_000)).toBe(16384 * 4096);
  });
  it("never gives fewer inodes than the default ratio, and more when the tree needs them", () => {
    expect(inodesFor(1024 * MiB, { inodes: 100, dataBytes: 0 })).toBe(65536);
    expect(inodesFor(64 * MiB, { inodes: 100_000, dataBytes: 0 })).toBe(126024);
  });
  it("decides whether the root partition holds the tree", () => {
    const stats = { inodes: 20_000, dataBytes: 700 * MiB };
    expect(rootFits(1100 * MiB, stats)).toBe(true);
    expect(rootFits(700 * MiB, stats)).toBe(false);
  });
  it("defaults to tree × 1.3 + 300 MiB rounded up to 64 MiB, and an ESP of at least 128 MiB", () => {
    expect(defaultDiskBytes({ inodes: 1, dataBytes: 700 * MiB })).toBe(1216 * MiB); // 910 + 300 = 1210 → 1216
    expect(espBytesFor(45 * MiB)).toBe(128 * MiB);
    expect(espBytesFor(200 * MiB)).toBe(266 * MiB);
  });
});
