import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addFile, cachePath, checkCached, has, storeFile, verifyFile } from "../../../src/sources/cache.js";
import { sha256Hex } from "../../../src/util/hash.js";
import { UserError } from "../../../src/errors.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-cache-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const body = "hello cache\n";
const sha = sha256Hex(body);

describe("cache", () => {
  it("lays entries out as <cache>/<kind>/<sha256>.<ext> and refuses non-digests", () => {
    expect(cachePath({ cache: "/c", kind: "checkouts", sha256: sha, ext: "tar" })).toBe(`/c/checkouts/${sha}.tar`);
    expect(() => cachePath({ cache: "/c", kind: "x", sha256: "../etc", ext: "tar" })).toThrow(/sha256/);
  });

  it("adds a file, computing its hash, and reports nothing rewritten the second time", async () => {
    const cache = join(dir, "c1");
    const src = join(dir, "src1");
    await writeFile(src, body);
    const a = await addFile({ cache, kind: "debs", ext: "deb", src });
    expect(a).toEqual({ path: cachePath({ cache, kind: "debs", sha256: sha, ext: "deb" }), sha256: sha, added: true });
    expect(await readFile(a.path, "utf8")).toBe(body);
    const mtime = (await stat(a.path)).mtimeMs;
    const b = await addFile({ cache, kind: "debs", ext: "deb", src });
    expect(b.added).toBe(false);
    expect((await stat(a.path)).mtimeMs).toBe(mtime);
    expect(await has({ cache, kind: "debs", sha256: sha, ext: "deb" })).toBe(true);
    // No temp files are left behind.
    expect(await readdir(join(cache, "debs"))).toEqual([`${sha}.deb`]);
  });

  it("refuses a file whose hash differs from the expected one, leaving nothing in the cache", async () => {
    const cache = join(dir, "c2");
    const src = join(dir, "src2");
    await writeFile(src, "tampered\n");
    const err = await storeFile({ src, dest: join(cache, "wheels", sha, "x.whl"), sha256: sha, what: "pinned.txt:3: x==1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(`pinned.txt:3: x==1: hash mismatch (expected ${sha}, got ${sha256Hex("tampered\n")})`);
    expect(await readdir(join(cache, "wheels", sha))).toEqual([]);
  });

  it("replaces a corrupt entry and moves the source when asked", async () => {
    const cache = join(dir, "c3");
    const dest = cachePath({ cache, kind: "checkouts", sha256: sha, ext: "tar" });
    const src0 = join(dir, "src3a");
    await writeFile(src0, "garbage");
    await storeFile({ src: src0, dest }); // unverified put, simulates a corrupt entry
    expect((await verifyFile(dest, sha)).ok).toBe(false);
    const src = join(dir, "src3");
    await writeFile(src, body);
    const r = await storeFile({ src, dest, sha256: sha, move: true });
    expect(r.added).toBe(true);
    expect((await verifyFile(dest, sha)).ok).toBe(true);
    await expect(stat(src)).rejects.toThrow(/ENOENT/);
  });

  it("names missing and corrupt entries with the fix", async () => {
    const cache = join(dir, "c4");
    const missing = await checkCached({ path: join(cache, "nope"), sha256: sha, what: "wheel a-1-py3-none-any.whl" });
    expect(missing?.message).toMatch(/^wheel a-1-py3-none-any\.whl: missing from the cache .*run kiln fetch$/);
    const p = join(dir, "corrupt");
    await writeFile(p, "x");
    const corrupt = await checkCached({ path: p, sha256: sha, what: "w" });
    expect(corrupt?.message).toMatch(/cache entry is corrupt \(expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}\); delete .* and run kiln fetch/);
    await writeFile(p, body);
    expect(await checkCached({ path: p, sha256: sha, what: "w" })).toBeUndefined();
  });
});
