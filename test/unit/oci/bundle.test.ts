// kiln oci / export / import over in-memory images: deterministic output, the template as the layer,
// verification before reading, and a bundle that is altered, cut or padded with foreign members
// importing nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeLayoutArchive } from "../../../src/oci/archive.js";
import { importBundle } from "../../../src/oci/import.js";
import { writeOci } from "../../../src/oci/write.js";
import { DamagedEntry, readTag, writeTag, type AddImageResult } from "../../../src/store/index.js";
import { hexOf } from "../../../src/store/layout.js";
import { canonicalJson } from "../../../src/util/canonical-json.js";
import { sha256Hex } from "../../../src/util/hash.js";
import { addVariant, tempStore } from "../store/helpers.js";

let store: string;
let work: string;
let a: AddImageResult;
let b: AddImageResult;
beforeAll(async () => {
  store = await tempStore();
  work = await mkdtemp(join(tmpdir(), "kiln-oci-"));
  a = await addVariant(store, "a");
  b = await addVariant(store, "b", { meta: { name: "other", version: "2.0.0" } });
  const att = join(store, "attestations", hexOf(a.manifest.image));
  await mkdir(att, { recursive: true });
  await writeFile(join(att, "image.sig"), "signature\n");
  await writeFile(join(att, "provenance.json"), '{"_type":"https://in-toto.io/Statement/v1"}\n');
});
afterAll(async () => {
  await rm(store, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

/** Reads a JSON file. */
async function json<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, "utf8")) as T;
}

describe("kiln oci", () => {
  it("writes the same manifest digest twice, with the stored template as the layer and the id as diff_id", async () => {
    const r1 = await writeOci(store, [a.manifest.image], { out: join(work, "l1"), format: "layout", compression: "gzip" });
    const r2 = await writeOci(store, [a.manifest.image], { out: join(work, "l2"), format: "layout", compression: "gzip" });
    expect(r1.images[0]?.manifest).toBe(r2.images[0]?.manifest);
    expect(r1.images[0]?.layer).toBe(`sha256:${a.manifest.template.sha256}`);
    expect(r1.images[0]?.referrers).toBe(3); // kiln manifest, image.sig, provenance.json
    const index = await json<{ manifests: { annotations?: Record<string, string>; artifactType?: string }[] }>(join(work, "l1", "index.json"));
    expect(index.manifests[0]?.annotations?.["org.opencontainers.image.ref.name"]).toBe(hexOf(a.manifest.image));
    expect(index.manifests.slice(1).map((m) => m.artifactType)).toEqual([
      "application/vnd.kiln.manifest.v1+json",
      "application/vnd.kiln.signature.v1",
      "application/vnd.in-toto+json",
    ]);
  });

  it("writes byte-identical archives", async () => {
    const r1 = await writeOci(store, [b.manifest.image], { out: join(work, "a1.tar"), format: "archive", compression: "zstd" });
    const r2 = await writeOci(store, [b.manifest.image], { out: join(work, "a2.tar"), format: "archive", compression: "zstd" });
    expect(r1.sha256).toBeDefined();
    expect(r1.sha256).toBe(r2.sha256);
  });

  it("refuses a damaged template and writes nothing", async () => {
    const t = b.image.template;
    const good = await readFile(t);
    await writeFile(t, Buffer.concat([good, Buffer.from("x")]));
    try {
      await expect(writeOci(store, [b.manifest.image], { out: join(work, "bad"), format: "layout", compression: "gzip" })).rejects.toBeInstanceOf(DamagedEntry);
      expect(existsSync(join(work, "bad"))).toBe(false);
    } finally {
      await writeFile(t, good);
    }
  });
});

/**
 * Changes one JSON blob of a layout (`edit` returns the new value) and re-links every descriptor that
 * named it, up to index.json: a forged but self-consistent bundle, so only deeper checks can catch it.
 */
async function forge(dir: string, pick: (v: Record<string, unknown>) => boolean, edit: (v: Record<string, unknown>) => unknown): Promise<void> {
  const blobs = join(dir, "blobs", "sha256");
  const relink = (v: unknown, from: string, to: string, size: number): unknown => {
    if (Array.isArray(v)) return v.map((x) => relink(x, from, to, size));
    if (typeof v !== "object" || v === null) return v;
    const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, relink(x, from, to, size)]));
    return o["digest"] === from ? { ...o, digest: to, size } : o;
  };
  const queue: { from: string; to: string; size: number }[] = [];
  for (const hex of await readdir(blobs)) {
    let v: unknown;
    try {
      v = JSON.parse(await readFile(join(blobs, hex), "utf8"));
    } catch {
      continue;
    }
    if (typeof v !== "object" || v === null || !pick(v as Record<string, unknown>)) continue;
    const bytes = canonicalJson(edit(v as Record<string, unknown>));
    await writeFile(join(blobs, sha256Hex(bytes)), bytes);
    queue.push({ from: `sha256:${hex}`, to: `sha256:${sha256Hex(bytes)}`, size: Buffer.byteLength(bytes) });
  }
  while (queue.length) {
    const { from, to, size } = queue.shift() as { from: string; to: string; size: number };
    for (const name of [...(await readdir(blobs)).map((h) => join(blobs, h)), join(dir, "index.json")]) {
      const text = await readFile(name, "utf8");
      if (!text.includes(from)) continue;
      const bytes = canonicalJson(relink(JSON.parse(text), from, to, size));
      if (name.endsWith("index.json")) await writeFile(name, bytes);
      else {
        await writeFile(join(blobs, sha256Hex(bytes)), bytes);
        queue.push({ from: `sha256:${name.slice(-64)}`, to: `sha256:${sha256Hex(bytes)}`, size: Buffer.byteLength(bytes) });
      }
    }
  }
}

describe("kiln export / import", () => {
  it("round-trips two images with their manifests, file indexes and attestations", async () => {
    const bundle = join(work, "bundle.tar");
    await writeTag(store, "stable", a.manifest.image);
    await writeTag(store, "other-stable", b.manifest.image);
    const w = await writeOci(store, ["stable", b.manifest.image, "other-stable"], { out: bundle, format: "archive", compression: "zstd" });
    expect(w.images.map((i) => i.refNames)).toEqual([
      [hexOf(a.manifest.image), "stable"],
      [hexOf(b.manifest.image), "other-stable"],
    ]);
    const dest = await tempStore();
    await writeTag(dest, "other-stable", a.manifest.image); // this store's own meaning of the tag is kept
    const r = await importBundle(dest, bundle);
    expect(r.images.map((i) => i.id).sort()).toEqual([a.manifest.image, b.manifest.image].sort());
    expect(r.images.map((i) => [i.tags, i.tagsKept])).toEqual([
      [["stable"], []],
      [[], ["other-stable"]],
    ]);
    expect(await readTag(dest, "stable")).toBe(a.manifest.image);
    expect(await readTag(dest, "other-stable")).toBe(a.manifest.image);
    for (const x of [a, b]) {
      const dir = join(dest, "images", hexOf(x.manifest.image));
      // gzip templates travel re-compressed to zstd: same image id, same contents, new template section.
      const m = await json<typeof x.manifest>(join(dir, "manifest.json"));
      expect({ ...m, template: null }).toEqual({ ...x.manifest, template: null });
      expect(await readFile(join(dir, "files.tsv"), "utf8")).toBe(await readFile(x.image.index, "utf8"));
    }
    const att = join(dest, "attestations", hexOf(a.manifest.image));
    expect(await readFile(join(att, "image.sig"), "utf8")).toBe("signature\n");
    expect(existsSync(join(att, "provenance.json"))).toBe(true);
    await rm(dest, { recursive: true, force: true });
  });

  it("imports nothing from an altered, truncated or foreign bundle", async () => {
    const src = join(work, "l-import");
    await writeOci(store, [a.manifest.image], { out: src, format: "layout", compression: "gzip" });
    const bundle = join(work, "one.tar");
    await writeLayoutArchive(src, bundle, 1_700_000_000);
    const bytes = await readFile(bundle);
    const cases: Record<string, Buffer> = { truncated: bytes.subarray(0, bytes.length - 3000) };
    const altered = Buffer.from(bytes);
    const at = altered.indexOf('"rootfs"');
    altered[at + 2] = 0x58; // one byte of the config blob
    cases["altered"] = altered;
    await writeFile(join(src, "evil"), "x");
    await writeLayoutArchive(src, join(work, "foreign.tar"), 1_700_000_000);
    cases["foreign"] = await readFile(join(work, "foreign.tar"));
    for (const [name, data] of Object.entries(cases)) {
      const dest = await tempStore();
      await writeFile(join(work, `${name}.tar`), data);
      await expect(importBundle(dest, join(work, `${name}.tar`)), name).rejects.toThrow(/nothing was imported/);
      expect(existsSync(join(dest, "images")), name).toBe(false);
      await rm(dest, { recursive: true, force: true });
    }
  });

  it("imports nothing from a forged but self-consistent bundle (wrong diff_id, malformed kiln manifest)", async () => {
    const cases: Record<string, [(v: Record<string, unknown>) => boolean, (v: Record<string, unknown>) => unknown, RegExp]> = {
      // Image a's layer under image b's diff_id and kiln manifest: only decompressing the layer shows it.
      diffId: [
        (v) => "rootfs" in v || v["manifestVersion"] === 1,
        (v) => ("rootfs" in v ? { ...v, rootfs: { type: "layers", diff_ids: [b.manifest.image] } } : b.manifest),
        /uncompresses to/,
      ],
      debs: [(v) => v["manifestVersion"] === 1, (v) => ({ ...v, debs: "many" }), /debs: expected an array/],
      image: [(v) => v["manifestVersion"] === 1, (v) => ({ ...v, image: b.manifest.image }), /manifest\.json says image/],
    };
    for (const [name, [pick, edit, why]] of Object.entries(cases)) {
      const dir = join(work, `forged-${name}`);
      await writeOci(store, [a.manifest.image], { out: dir, format: "layout", compression: "gzip" });
      await forge(dir, pick, edit);
      await writeLayoutArchive(dir, `${dir}.tar`, 1_700_000_000);
      const dest = await tempStore();
      await expect(importBundle(dest, `${dir}.tar`), name).rejects.toThrow(why);
      expect(existsSync(join(dest, "images")), name).toBe(false);
      await rm(dest, { recursive: true, force: true });
    }
  });

  it("refuses a missing bundle as bad input, creating nothing", async () => {
    const dest = join(work, "never");
    await expect(importBundle(dest, join(work, "no-such.tar"))).rejects.toThrow(/cannot read the bundle \(ENOENT\)/);
    expect(existsSync(dest)).toBe(false);
  });

  it("refuses --trust without a readable allowed_signers file before reading the bundle", async () => {
    await expect(
      importBundle(join(work, "never"), join(work, "bundle.tar"), { trust: { allowedSigners: join(work, "no-such-file"), principals: [] } }),
    ).rejects.toThrow(/is not a file: give an allowed_signers file/);
    expect(existsSync(join(work, "never"))).toBe(false);
  });
});
