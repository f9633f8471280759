// The fixed in-memory tree behind the golden test: one of everything the archive writer handles.
// Shared by golden.test.ts and scripts/regen-golden.ts, which rewrites golden.json from it.
import { join } from "node:path";
import { memorySource, packTree, type MemoryNode } from "../../../src/archive/index.js";

export const GOLDEN_EPOCH = 1_700_000_000;

const CAP_NET_RAW = Buffer.from("0100000200200000000000000000000000000000", "hex");

export const goldenNodes: readonly MemoryNode[] = [
  { path: "", mode: 0o755, mtime: 1_600_000_000 },
  { path: "bin", type: "symlink", linkTarget: "usr/bin" },
  { path: "dev", type: "dir", mode: 0o755 },
  { path: "dev/null", type: "char", devMajor: 1, devMinor: 3, mode: 0o666 },
  { path: "dev/pts", type: "dir" },
  { path: "etc", type: "dir", mtime: 1_800_000_000 },
  { path: "etc/hostname", content: "golden\n", mtime: 1_650_000_000 },
  { path: "etc/shadow", content: "root:*:19000:0:99999:7:::\n", mode: 0o640, gid: 42 },
  { path: "etc/machine-id", content: "", mode: 0o444 },
  { path: "home", type: "dir" },
  { path: "home/user", type: "dir", uid: 1000, gid: 1000, mode: 0o700 },
  { path: "home/user/ünïcödé.txt", content: "utf-8 name\n", uid: 1000, gid: 1000 },
  { path: "opt", type: "dir" },
  { path: `opt/${"long-directory-name-".repeat(6)}`, type: "dir" },
  { path: `opt/${"long-directory-name-".repeat(6)}/${"file".repeat(40)}.txt`, content: "deep\n" },
  { path: "srv", type: "dir" },
  { path: "srv/big-uid", content: "x", uid: 3_000_000, gid: 3_000_001 },
  { path: "srv/fifo", type: "fifo", mode: 0o600 },
  { path: "srv/zero", type: "char", devMajor: 1, devMinor: 5 },
  { path: "srv/loop0", type: "block", devMajor: 7, devMinor: 0, mode: 0o660, gid: 6 },
  { path: "tmp", type: "dir", mode: 0o1777 },
  { path: "usr", type: "dir" },
  { path: "usr/bin", type: "dir" },
  { path: "usr/bin/ping", content: "\u007fELF ping\n", mode: 0o755, xattrs: { "security.capability": CAP_NET_RAW } },
  { path: "usr/bin/su", content: "\u007fELF su\n", mode: 0o4755 },
  { path: "usr/bin/wall", content: "\u007fELF wall\n", mode: 0o2755, gid: 5 },
  { path: "usr/bin/python3.11", content: Buffer.alloc(70_000, 0xab), mode: 0o755, xattrs: { "user.origin": "golden" } },
  { path: "usr/bin/python3", hardLinkTo: "usr/bin/python3.11" },
  { path: "usr/bin/sh", type: "symlink", linkTarget: "dash" },
  { path: "usr/bin/dangling", type: "symlink", linkTarget: "/nonexistent/target" },
  { path: "usr/bin/long-link", type: "symlink", linkTarget: `../${"x".repeat(150)}` },
];

/** What golden.json pins: the image id and the shape of the stream. */
export interface Golden {
  readonly id: string;
  readonly tarSize: number;
  readonly entries: number;
}

/** Packs the golden tree (uncompressed) into `dir` and returns what golden.json pins. */
export async function computeGolden(dir: string): Promise<Golden> {
  const r = await packTree(memorySource(goldenNodes), { epoch: GOLDEN_EPOCH, compression: { kind: "none" }, out: join(dir, "golden.tar") });
  return { id: r.id, tarSize: r.tarSize, entries: r.entries };
}
