import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import tarStream from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectCompression, listTemplate, memorySource, packTree, readTemplate, templateImageId, type Compression } from "../../../src/archive/index.js";
import { UserError } from "../../../src/errors.js";
import { which } from "../../../src/exec/run.js";
import { sha256Hex } from "../../../src/util/hash.js";
import { tempDir } from "./helpers.js";

const EPOCH = 1_700_000_000;
const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
const src = () =>
  memorySource([
    { path: "etc", type: "dir" },
    { path: "etc/os-release", content: "ID=debian\n" },
    { path: "usr/lib/big.bin", content: big },
    { path: "usr/bin/sh", type: "symlink", linkTarget: "dash" },
    { path: "usr/bin/sh2", hardLinkTo: "usr/lib/big.bin" },
    { path: "srv/tty", type: "char", devMajor: 5, devMinor: 0 },
  ]);

let dir = "";
let cleanup: () => Promise<void> = async () => undefined;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

const kinds: Compression[] = [{ kind: "none" }, { kind: "gzip" }, ...(which("zstd") ? [{ kind: "zstd" } as const] : [])];

describe.each(kinds)("reading back a $kind template", (compression) => {
  let file = "";
  let id = "";
  beforeAll(async () => {
    file = join(dir, `t.${compression.kind}`);
    id = (await packTree(src(), { epoch: EPOCH, compression, out: file })).id;
  });

  it("detects the compression from the magic bytes", async () => {
    expect(await detectCompression(file)).toBe(compression.kind);
  });

  it("recomputes the image id packTree reported", async () => {
    expect(await templateImageId(file)).toBe(id);
  });

  it("lists every entry with metadata, chosen contents and digests", async () => {
    const l = await listTemplate(file, { contents: (e) => e.size < 100, digests: true });
    expect(l.id).toBe(id);
    expect(l.compression).toBe(compression.kind);
    expect(l.entries.map((e) => e.path)).toEqual([".", "etc", "etc/os-release", "srv/tty", "usr/bin/sh", "usr/bin/sh2", "usr/lib/big.bin"]);
    const by = new Map(l.entries.map((e) => [e.path, e]));
    expect(by.get("etc/os-release")).toMatchObject({
      name: "./etc/os-release",
      type: "file",
      contents: Buffer.from("ID=debian\n"),
      digest: sha256Hex("ID=debian\n"),
    });
    // usr/bin/sh2 sorts first, so it carries the data and big.bin links to it.
    expect(by.get("usr/bin/sh2")).toMatchObject({ type: "file", size: big.length, digest: sha256Hex(big) });
    expect(by.get("usr/bin/sh2")?.contents).toBeUndefined();
    expect(by.get("usr/lib/big.bin")).toMatchObject({ type: "hardlink", linkTarget: "./usr/bin/sh2", size: 0 });
    expect(by.get("usr/bin/sh")).toMatchObject({ type: "symlink", linkTarget: "dash" });
    expect(by.get("srv/tty")).toMatchObject({ type: "char", devMajor: 5, devMinor: 0 });
    expect(by.get("etc")).toMatchObject({ name: "./etc/", type: "dir", mtime: 0 });
  });

  it("streams bodies, skips unread ones, and can stop early", async () => {
    const seen: string[] = [];
    for await (const { entry, body } of readTemplate(file)) {
      seen.push(entry.path);
      if (entry.path === "etc/os-release") expect((await body.bytes()).toString()).toBe("ID=debian\n");
      if (entry.path === "usr/bin/sh") break;
    }
    expect(seen).toEqual([".", "etc", "etc/os-release", "srv/tty", "usr/bin/sh"]);
  });
});

describe("foreign and broken archives", () => {
  it("reads archives other tools wrote (tar-stream's pax long names)", async () => {
    const p = tarStream.pack();
    const long = `x/${"n".repeat(150)}`;
    p.entry({ name: long, mode: 0o600, uid: 7, gid: 8, mtime: new Date(5000) }, "hi");
    p.entry({ name: "y", type: "directory", mode: 0o755 });
    p.finalize();
    const file = join(dir, "foreign.tar");
    const parts: Buffer[] = [];
    for await (const c of p) parts.push(c as Buffer);
    await writeFile(file, Buffer.concat(parts));
    const l = await listTemplate(file, { contents: () => true });
    expect(l.entries.map((e) => [e.path, e.type, e.mode, e.uid, e.mtime])).toEqual([
      [long, "file", 0o600, 7, 5],
      ["y", "dir", 0o755, 0, expect.any(Number)],
    ]);
    expect(l.entries[0]?.contents?.toString()).toBe("hi");
  });

  it("refuses a truncated archive, naming the file", async () => {
    const good = join(dir, "t.none");
    const bytes = await readFile(good);
    const cut = join(dir, "cut.tar");
    await writeFile(cut, bytes.subarray(0, 3 * 512 + 100));
    await expect(listTemplate(cut)).rejects.toThrow(UserError);
    await expect(listTemplate(cut)).rejects.toThrow(/cut\.tar: member 3 \(header at byte 1024\): archive ends in the middle of this member \(at byte 1636\)/);
  });

  it("refuses files that are not tar archives: empty, short, or text", async () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ["empty.tar", "", /empty\.tar: empty file: not a tar archive/],
      ["short.tar", "hello", /short\.tar: member 1 \(header at byte 0\): archive ends in the middle/],
      ["text.tar", "x".repeat(2000), /text\.tar: member 1 \(header at byte 0\): not a valid tar header \(checksum mismatch\)/],
    ];
    for (const [name, bytes, message] of cases) {
      await writeFile(join(dir, name), bytes);
      await expect(listTemplate(join(dir, name))).rejects.toThrow(message);
    }
  });

  it("overwrites an existing, longer output file", async () => {
    const out = join(dir, "reused.tar");
    await writeFile(out, Buffer.alloc(1 << 20, 0x41));
    for (const compression of kinds) {
      const r = await packTree(src(), { epoch: EPOCH, compression, out });
      expect((await readFile(out)).length).toBe(r.fileSize);
      expect(await templateImageId(out)).toBe(r.id);
    }
  });

  it.skipIf(!which("zstd"))("refuses a corrupt .tar.zst, naming the file", async () => {
    const good = await readFile(join(dir, "t.zstd"));
    const bad = join(dir, "bad.tar.zst");
    await writeFile(bad, Buffer.concat([good.subarray(0, 200), Buffer.alloc(500, 0x55)]));
    await expect(templateImageId(bad)).rejects.toThrow(/bad\.tar\.zst: cannot decompress/);
  });

  it("says which path it could not open", async () => {
    await expect(listTemplate(join(dir, "missing.tar.zst"))).rejects.toThrow(/missing\.tar\.zst: cannot open template \(ENOENT\)/);
  });
});
