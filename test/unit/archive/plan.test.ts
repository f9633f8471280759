import { describe, expect, it } from "vitest";
import { DEV_SKIP_REASON, planArchive, tarName } from "../../../src/archive/plan.js";
import type { TreeEntry } from "../../../src/archive/types.js";
import { UserError } from "../../../src/errors.js";

/** A tree entry with defaults. */
function e(path: string, over: Partial<TreeEntry> = {}): TreeEntry {
  return { path, type: "file", mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0, ...over };
}

const names = (entries: readonly TreeEntry[], epoch = 100) => planArchive({ entries, epoch }).entries.map((p) => p.header.name);

describe("planArchive", () => {
  it("starts with the root ./ and sorts component by component, bytewise (tar --sort=name order)", () => {
    const tree = [e("a-b", { type: "dir" }), e("a/z"), e("a", { type: "dir" }), e("B"), e("a-b/x"), e("a.c"), e("é"), e("z")];
    expect(names(tree)).toEqual(["./", "./B", "./a/", "./a/z", "./a-b/", "./a-b/x", "./a.c", "./z", "./é"]);
  });

  it("with bare, names entries without ./ and leaves the root out (an OCI archive, as Proxmox detects it)", () => {
    const tree = [e("blobs", { type: "dir" }), e("blobs/sha256", { type: "dir" }), e("blobs/sha256/ab"), e("index.json"), e("oci-layout")];
    const plan = planArchive({ entries: tree, epoch: 100, bare: true }).entries.map((p) => p.header.name);
    expect(plan).toEqual(["blobs/", "blobs/sha256/", "blobs/sha256/ab", "index.json", "oci-layout"]);
  });

  it("gives the same plan whatever order the entries come in", () => {
    const tree = [e("usr", { type: "dir" }), e("usr/bin", { type: "dir" }), e("usr/bin/sh"), e("etc", { type: "dir" }), e("etc/passwd")];
    const a = planArchive({ entries: tree, epoch: 100 });
    const b = planArchive({ entries: [...tree].reverse(), epoch: 100 });
    expect(b).toEqual(a);
  });

  it("uses the root entry's metadata when the source has one, else 0755 root:root", () => {
    expect(planArchive({ entries: [], epoch: 100 }).entries[0]?.header).toMatchObject({ name: "./", type: "dir", mode: 0o755, uid: 0, mtime: 100 });
    const root = e("", { type: "dir", mode: 0o700, uid: 5, gid: 6, mtime: 50 });
    expect(planArchive({ root, entries: [], epoch: 100 }).entries[0]?.header).toMatchObject({ mode: 0o700, uid: 5, gid: 6, mtime: 50 });
  });

  it("clamps mtimes to the epoch and floors them at 0", () => {
    const plan = planArchive({ entries: [e("new", { mtime: 2_000_000_000 }), e("old", { mtime: 5 }), e("neg", { mtime: -7 })], epoch: 1_000 });
    const mt = Object.fromEntries(plan.entries.map((p) => [p.path, p.header.mtime]));
    expect(mt).toEqual({ ".": 1_000, neg: 0, new: 1_000, old: 5 });
  });

  it("writes the first path of an inode with its data and the others as hard links to it", () => {
    const ino = { inode: "1:42", nlink: 3, size: 5 };
    const plan = planArchive({ entries: [e("z/link2", ino), e("a/orig", ino), e("m/link1", ino)], epoch: 100 });
    const [, first, second, third] = plan.entries;
    expect(first).toMatchObject({ path: "a/orig", source: "a/orig", header: { type: "file", size: 5 } });
    expect(second).toMatchObject({ path: "m/link1", header: { type: "hardlink", linkname: "./a/orig", size: 0 } });
    expect(second?.source).toBeUndefined();
    expect(third?.header).toMatchObject({ type: "hardlink", linkname: "./a/orig" });
  });

  it("does not treat directories or nlink=1 entries sharing a key as hard links", () => {
    const plan = planArchive({
      entries: [
        e("d1", { type: "dir", inode: "1:1", nlink: 2 }),
        e("d2", { type: "dir", inode: "1:1", nlink: 2 }),
        e("f1", { inode: "1:2", nlink: 1 }),
        e("f2", { inode: "1:2", nlink: 1 }),
      ],
      epoch: 1,
    });
    expect(plan.entries.map((p) => p.header.type)).toEqual(["dir", "dir", "dir", "file", "file"]);
  });

  it("leaves out device nodes under dev/ (recording why) but keeps dev/ itself, its links and devices elsewhere", () => {
    const plan = planArchive({
      entries: [
        e("dev", { type: "dir" }),
        e("dev/null", { type: "char", devMajor: 1, devMinor: 3 }),
        e("dev/sda", { type: "block", devMajor: 8, devMinor: 0 }),
        e("dev/fd", { type: "symlink", linkTarget: "/proc/self/fd" }),
        e("srv/null", { type: "char", devMajor: 1, devMinor: 3 }),
      ],
      epoch: 1,
    });
    expect(plan.entries.map((p) => p.header.name)).toEqual(["./", "./dev/", "./dev/fd", "./srv/null"]);
    expect(plan.skipped).toEqual([
      { path: "dev/null", reason: DEV_SKIP_REASON },
      { path: "dev/sda", reason: DEV_SKIP_REASON },
    ]);
    expect(plan.entries[3]?.header).toMatchObject({ type: "char", devMajor: 1, devMinor: 3 });
  });

  it("refuses sockets, naming every one at once", () => {
    const run = () => planArchive({ entries: [e("run/a.sock", { type: "socket" }), e("ok"), e("tmp/b.sock", { type: "socket" })], epoch: 1 });
    expect(run).toThrow(UserError);
    try {
      run();
    } catch (err) {
      const p = (err as UserError).problems;
      expect(p.map((x) => x.file)).toEqual(["run/a.sock", "tmp/b.sock"]);
      expect(p[0]?.message).toMatch(/socket/);
    }
  });

  it("refuses unclean and duplicate paths", () => {
    expect(() => planArchive({ entries: [e("a/../b")], epoch: 1 })).toThrow(/not a clean relative path/);
    expect(() => planArchive({ entries: [e("a//b")], epoch: 1 })).toThrow(/not a clean relative path/);
    expect(() => planArchive({ entries: [e("a"), e("a")], epoch: 1 })).toThrow(/appears twice/);
  });

  it("names entries with ./ and directories with a trailing /", () => {
    expect(tarName("", "dir")).toBe("./");
    expect(tarName("etc", "dir")).toBe("./etc/");
    expect(tarName("etc/hosts", "file")).toBe("./etc/hosts");
  });
});

describe("archive order beyond ASCII", () => {
  it("orders by UTF-8 bytes even where UTF-16 code units disagree (astral vs U+E000–U+FFFF)", () => {
    // U+1F600 is F0 9F 98 80 in UTF-8 (after EF BC A1 for U+FF21) but D83D… in UTF-16 (before FF21).
    const tree = [e("\uFF21"), e("\u{1F600}"), e("\u00e9"), e("z"), e("dir/\u{1F600}"), e("dir/\uFF21"), e("dir", { type: "dir" })];
    expect(names(tree)).toEqual(["./", "./dir/", "./dir/\uFF21", "./dir/\u{1F600}", "./z", "./\u00e9", "./\uFF21", "./\u{1F600}"]);
  });
});
