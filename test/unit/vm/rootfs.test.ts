import { describe, expect, it } from "vitest";
import { diskIds } from "../../../src/vm/ids.js";
import { layoutDisk, MiB } from "../../../src/vm/geometry.js";
import { atOffset, e2fsEnv, mke2fsArgv, timeFixScript, usedInodes } from "../../../src/vm/rootfs.js";

// The shape of `dumpe2fs` output (headers, then one block per group), trimmed to what usedInodes reads.
const DUMP = `Filesystem volume name:   root
Inode count:              30720
Inodes per group:         7680

Group 0: (Blocks 0-32767) csum 0x33ff
  Primary superblock at 0, Group descriptors at 1-1
  Free inodes: 
Group 1: (Blocks 32768-65535) csum 0x601f
  Free inodes: 7690-7700, 7702-15360
Group 2: (Blocks 65536-98303) csum 0xe7f5 [INODE_UNINIT]
  Free inodes: 15361-23040
Group 3: (Blocks 98304-131071) csum 0xe7f5
  Free inodes: 23041-30000
`;

describe("usedInodes", () => {
  it("is each group's inode range minus its free ranges", () => {
    expect(usedInodes(DUMP)).toEqual([
      [1, 7680],
      [7681, 7689],
      [7701, 7701],
      [30001, 30720],
    ]);
  });
  it("fails on output without the group size", () => {
    expect(() => usedInodes("Group 0:\n  Free inodes: 1-10\n")).toThrow(/Inodes per group/);
  });
});

describe("timeFixScript", () => {
  it("pins atime and ctime of the root and every non-reserved used inode, and zeroes the write counter", () => {
    const s = timeFixScript(
      [
        [1, 12],
        [20, 20],
      ],
      1_700_000_000,
    )
      .trim()
      .split("\n");
    expect(s[0]).toBe("ssv kbytes_written 0");
    expect(s).toContain("sif <2> atime @1700000000");
    expect(s).toContain("sif <2> ctime @1700000000");
    expect(s).toContain("sif <11> ctime @1700000000");
    expect(s).toContain("sif <20> atime @1700000000");
    expect(s.some((l) => /<(1|[3-9]|10)>/.test(l))).toBe(false);
    expect(s).toHaveLength(1 + 2 * 4); // inodes 2, 11, 12, 20
  });
});

describe("mke2fs argv and environment", () => {
  const ids = diskIds(`sha256:${"d".repeat(64)}`);
  const layout = layoutDisk({ diskBytes: 1024 * MiB, espBytes: 128 * MiB });
  if (!layout) throw new Error("no layout");
  const argv = mke2fsArgv({ plan: { layout, ids, inodes: 70000 }, disk: "/x/disk.raw", tree: "/x/tree" });

  it("writes at the root partition's offset, with its size in 4 KiB blocks, filled from the tree", () => {
    const ext = argv[argv.indexOf("-E") + 1] ?? "";
    expect(ext.split(",")).toEqual(
      expect.arrayContaining([`offset=${layout.root.start * 512}`, `hash_seed=${ids.hashSeed}`, "root_owner=0:0", "nodiscard", "lazy_itable_init=0"]),
    );
    expect(argv.slice(-2)).toEqual(["/x/disk.raw", String((layout.root.sectors * 512) / 4096)]);
    expect(argv[argv.indexOf("-d") + 1]).toBe("/x/tree");
    expect(argv[argv.indexOf("-U") + 1]).toBe(ids.rootFsUuid);
    expect(argv[argv.indexOf("-N") + 1]).toBe("70000");
  });

  it("pins libext2fs's clock and uses kiln's config, and names a filesystem inside a disk by offset", () => {
    expect(e2fsEnv(1234, "/w/mke2fs.conf")).toEqual({ E2FSPROGS_FAKE_TIME: "1234", MKE2FS_CONFIG: "/w/mke2fs.conf", SOURCE_DATE_EPOCH: "1234" });
    expect(atOffset("/x/disk.raw", 1048576)).toBe("/x/disk.raw?offset=1048576");
  });
});
