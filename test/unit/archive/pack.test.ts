import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTemplate, memorySource, packTree, type Compression, type FileSource, type MemoryNode } from "../../../src/archive/index.js";
import { UserError } from "../../../src/errors.js";
import { which } from "../../../src/exec/run.js";
import { sha256Hex } from "../../../src/util/hash.js";
import { readWithTarStream, tempDir } from "./helpers.js";

const EPOCH = 1_700_000_000;
const CAP = Buffer.from("0100000200200000000000000000000000000000", "hex"); // cap_net_raw+ep
const longDir = `opt/${"d".repeat(120)}`;
const longFile = `${longDir}/${"f".repeat(140)}`;

const tree: MemoryNode[] = [
  { path: "", mode: 0o755, mtime: 10 },
  { path: "etc", type: "dir", mtime: 2_000_000_000 },
  { path: "etc/hosts", content: "127.0.0.1 localhost\n", mtime: 1_000, uid: 1234, gid: 5678 },
  { path: "etc/shadow", content: "root:*:1::::::\n", mode: 0o640, gid: 42 },
  { path: "usr", type: "dir" },
  { path: "usr/bin", type: "dir" },
  { path: "usr/bin/ping", content: "\u007fELF ping", mode: 0o755, xattrs: { "security.capability": CAP, "user.note": "hello" } },
  { path: "usr/bin/su", content: "\u007fELF su", mode: 0o4755 },
  { path: "usr/bin/sh", type: "symlink", linkTarget: "dash" },
  { path: "usr/bin/abs", type: "symlink", linkTarget: "/usr/bin/dash" },
  { path: "usr/bin/dangling", type: "symlink", linkTarget: "../nowhere" },
  { path: "usr/bin/python3", content: "python", mode: 0o755 },
  { path: "usr/bin/python3.11", hardLinkTo: "usr/bin/python3" },
  { path: "opt", type: "dir" },
  { path: longDir, type: "dir" },
  { path: longFile, content: "deep" },
  { path: "srv/fifo", type: "fifo", mode: 0o644 },
  { path: "srv/null", type: "char", devMajor: 1, devMinor: 3, mode: 0o666 },
  { path: "dev", type: "dir" },
  { path: "dev/null", type: "char", devMajor: 1, devMinor: 3, mode: 0o666 },
  { path: "dev/sda", type: "block", devMajor: 8, devMinor: 0 },
  { path: "dev/fd", type: "symlink", linkTarget: "/proc/self/fd" },
];

let dir = "";
let cleanup: () => Promise<void> = async () => undefined;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

let n = 0;
/** Packs a source into a fresh file in the temp dir. */
async function pack(src: FileSource, compression: Compression = { kind: "none" }, epoch = EPOCH) {
  const out = join(dir, `t${n++}.tar`);
  return { out, result: await packTree(src, { epoch, compression, out }) };
}

describe("packTree on an in-memory tree, read back with tar-stream", () => {
  it("writes entries sorted, ./-prefixed, with the root first and dev/ device nodes left out", async () => {
    const { out, result } = await pack(memorySource(tree));
    const names = (await readWithTarStream(out)).map((e) => e.name);
    expect(names).toEqual([
      "./",
      "./dev/",
      "./dev/fd",
      "./etc/",
      "./etc/hosts",
      "./etc/shadow",
      "./opt/",
      `./${longDir}/`,
      `./${longFile}`,
      "./srv/fifo",
      "./srv/null",
      "./usr/",
      "./usr/bin/",
      "./usr/bin/abs",
      "./usr/bin/dangling",
      "./usr/bin/ping",
      "./usr/bin/python3",
      "./usr/bin/python3.11",
      "./usr/bin/sh",
      "./usr/bin/su",
    ]);
    expect(result.entries).toBe(names.length);
    expect(result.skipped.map((s) => s.path)).toEqual(["dev/null", "dev/sda"]);
  });

  it("clamps mtimes, keeps modes and numeric owners, and leaves owner names empty", async () => {
    const { out } = await pack(memorySource(tree));
    const byName = new Map((await readWithTarStream(out)).map((e) => [e.name, e]));
    expect(byName.get("./etc/")?.mtime).toBe(EPOCH);
    expect(byName.get("./etc/hosts")).toMatchObject({ mtime: 1_000, uid: 1234, gid: 5678, uname: "", gname: "", mode: 0o644 });
    expect(byName.get("./etc/shadow")).toMatchObject({ mode: 0o640, gid: 42 });
    expect(byName.get("./usr/bin/su")?.mode).toBe(0o4755);
    expect(byName.get("./")).toMatchObject({ type: "directory", mode: 0o755, mtime: 10 });
    for (const e of byName.values()) expect([e.uname, e.gname]).toEqual(["", ""]);
  });

  it("keeps contents, symlinks as they are, fifos and devices outside dev/", async () => {
    const { out } = await pack(memorySource(tree));
    const byName = new Map((await readWithTarStream(out)).map((e) => [e.name, e]));
    expect(byName.get("./etc/hosts")?.data.toString()).toBe("127.0.0.1 localhost\n");
    expect(byName.get("./usr/bin/sh")).toMatchObject({ type: "symlink", linkname: "dash" });
    expect(byName.get("./usr/bin/abs")).toMatchObject({ type: "symlink", linkname: "/usr/bin/dash" });
    expect(byName.get("./usr/bin/dangling")).toMatchObject({ type: "symlink", linkname: "../nowhere" });
    expect(byName.get("./srv/fifo")?.type).toBe("fifo");
    expect(byName.get("./srv/null")).toMatchObject({ type: "character-device", devmajor: 1, devminor: 3, mode: 0o666 });
  });

  it("writes long names through pax and hard links as links to the first path", async () => {
    const { out } = await pack(memorySource(tree));
    const byName = new Map((await readWithTarStream(out)).map((e) => [e.name, e]));
    expect(byName.get(`./${longFile}`)?.data.toString()).toBe("deep");
    expect(Buffer.byteLength(`./${longFile}`)).toBeGreaterThan(255);
    expect(byName.get("./usr/bin/python3")?.data.toString()).toBe("python");
    expect(byName.get("./usr/bin/python3.11")).toMatchObject({ type: "link", linkname: "./usr/bin/python3", size: 0 });
  });

  it("stores xattrs as SCHILY.xattr pax records, binary capability bytes intact", async () => {
    const { out } = await pack(memorySource(tree));
    const ping = (await readWithTarStream(out)).find((e) => e.name === "./usr/bin/ping");
    expect(ping?.pax?.["SCHILY.xattr.user.note"]).toBe("hello"); // tar-stream decodes values as text
    const listing = await listTemplate(out);
    expect(listing.entries.find((e) => e.path === "usr/bin/ping")?.xattrs).toEqual({ "security.capability": CAP, "user.note": Buffer.from("hello") });
  });

  it("indexes every entry in tar order with content digests", async () => {
    const { result } = await pack(memorySource(tree));
    const idx = new Map(result.index.map((i) => [i.path, i]));
    expect(result.index.map((i) => i.path)[0]).toBe(".");
    expect(idx.get("etc/hosts")).toEqual({
      path: "etc/hosts",
      type: "file",
      mode: 0o644,
      uid: 1234,
      gid: 5678,
      size: 20,
      digest: sha256Hex("127.0.0.1 localhost\n"),
    });
    expect(idx.get("usr/bin/sh")).toMatchObject({ type: "symlink", digest: "dash" });
    expect(idx.get("usr/bin/python3.11")).toMatchObject({ type: "hardlink", digest: "./usr/bin/python3" });
    expect(idx.get("srv/fifo")).toMatchObject({ type: "fifo", digest: "" });
    expect(result.index.length).toBe(result.entries);
  });

  it("digests files that span chunks (and chunk edges inside files) exactly, fast path and streams alike", async () => {
    // Sizes around the 256 KiB output chunk: one file over several chunks, many crossing an edge.
    const files: MemoryNode[] = [{ path: "big", content: Buffer.alloc(3 * (256 << 10) + 17, 0x5a) }];
    for (let i = 0; i < 12; i++) files.push({ path: `f${i}`, content: Buffer.alloc(100_000 + i * 4099, i + 1) });
    const src = memorySource(files);
    const bytes = new Map<string, Buffer>();
    for (const e of await src.entries()) bytes.set(e.path, Buffer.concat(await src.open(e.path).toArray()));
    const fast: FileSource = { ...src, readSync: (path, target, position) => (bytes.get(path) as Buffer).copy(target, 0, position, position + target.length) };
    for (const s of [src, fast]) {
      const { out, result } = await pack(s);
      for (const i of result.index.filter((e) => e.type === "file")) expect(i.digest).toBe(sha256Hex(bytes.get(i.path) as Buffer));
      expect(result.id).toBe(`sha256:${sha256Hex(await readFile(out))}`);
    }
  });

  it("reports the compressed file's sha256 and size", async () => {
    const { out, result } = await pack(memorySource(tree), { kind: "gzip" });
    const bytes = await readFile(out);
    expect(result.fileSha256).toBe(sha256Hex(bytes));
    expect(result.fileSize).toBe(bytes.length);
    expect(result.tarSize % 512).toBe(0);
  });

  it("hashes the output while the sink writes it: the sha256 and size of the whole file, for every sink", async () => {
    // 12 MB that do not compress: the output file grows through many catch-ups before the sink ends.
    const src = memorySource([{ path: "noise", content: randomBytes(12 << 20) }, ...tree]);
    const kinds: Compression[] = [{ kind: "none" }, { kind: "gzip", level: 1 }];
    if (which("zstd")) kinds.push({ kind: "zstd" });
    for (const c of kinds) {
      const { out, result } = await pack(src, c);
      const bytes = await readFile(out);
      expect(bytes.length).toBeGreaterThan(12 << 20);
      expect(result.fileSha256).toBe(sha256Hex(bytes));
      expect(result.fileSize).toBe(bytes.length);
    }
  });
});

describe("image id", () => {
  it("is the sha256 of the uncompressed stream", async () => {
    const { out, result } = await pack(memorySource(tree));
    expect(result.id).toBe(`sha256:${sha256Hex(await readFile(out))}`);
    expect(result.tarSize).toBe((await readFile(out)).length);
  });

  it("does not depend on the order the source lists entries in", async () => {
    const a = await pack(memorySource(tree));
    const b = await pack(memorySource([...tree].reverse()));
    expect(b.result.id).toBe(a.result.id);
  });

  it("does not depend on compression (none, gzip levels, zstd levels)", async () => {
    const kinds: Compression[] = [{ kind: "none" }, { kind: "gzip" }, { kind: "gzip", level: 1 }];
    if (which("zstd")) kinds.push({ kind: "zstd" }, { kind: "zstd", level: 19, threads: 1 });
    const results = await Promise.all(kinds.map((c) => pack(memorySource(tree), c)));
    expect(new Set(results.map((r) => r.result.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.result.fileSha256)).size).toBe(kinds.length);
  });

  it("is the same through the source's synchronous fast path and through streams", async () => {
    const src = memorySource(tree);
    const bytes = new Map<string, Buffer>();
    for (const e of await src.entries()) if (e.type === "file") bytes.set(e.path, Buffer.concat(await src.open(e.path).toArray()));
    const fast: FileSource = {
      ...src,
      readSync: (path, target, position) => (bytes.get(path) as Buffer).copy(target, 0, position, position + target.length),
    };
    expect((await pack(fast)).result.id).toBe((await pack(src)).result.id);
  });

  it("changes when one byte of one file changes, or one mode bit, or one xattr byte", async () => {
    const base = (await pack(memorySource(tree))).result.id;
    const edit = (path: string, change: Partial<MemoryNode>) => tree.map((node) => (node.path === path ? { ...node, ...change } : node));
    const variants = [
      edit("etc/hosts", { content: "127.0.0.1 localhosT\n" }),
      edit("etc/shadow", { mode: 0o600 }),
      edit("usr/bin/ping", { xattrs: { "security.capability": Buffer.from(CAP.map((b, i) => (i === 4 ? b ^ 1 : b))), "user.note": "hello" } }),
    ];
    const ids = await Promise.all(variants.map(async (v) => (await pack(memorySource(v))).result.id));
    for (const id of ids) expect(id).not.toBe(base);
  });

  it("does not change when only mtimes above the epoch change", async () => {
    const a = await pack(memorySource(tree));
    const b = await pack(memorySource(tree.map((node) => (node.path === "etc" ? { ...node, mtime: 2_100_000_000 } : node))));
    expect(b.result.id).toBe(a.result.id);
  });
});

describe("refusals", () => {
  it("refuses sockets with a UserError naming the path, and writes nothing", async () => {
    const out = join(dir, "refused.tar");
    const err = await packTree(memorySource([...tree, { path: "run/app.sock", type: "socket" }]), { epoch: EPOCH, compression: { kind: "none" }, out }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(String((err as Error).message)).toMatch(/run\/app\.sock: is a socket/);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });

  it("fails with the path when a file's contents do not match its size, and removes the partial output", async () => {
    const src = memorySource(tree);
    const lying: FileSource = { ...src, entries: async () => (await src.entries()).map((e) => (e.path === "etc/hosts" ? { ...e, size: 999 } : e)) };
    const out = join(dir, "lying.tar");
    await writeFile(out, "old");
    await expect(packTree(lying, { epoch: EPOCH, compression: { kind: "none" }, out })).rejects.toThrow(/etc\/hosts: changed while packing/);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});
