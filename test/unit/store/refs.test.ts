import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cp, mkdtemp, rm, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memorySource, packTree } from "../../../src/archive/index.js";
import { listImages, listTags, resolveRef, resolveStored, tagImage, type AddImageResult } from "../../../src/store/index.js";
import { minimalTree } from "../check/minimal-tree.js";
import { addVariant, tempStore } from "./helpers.js";

let store: string;
let outside: string;
let one: AddImageResult;
let two: AddImageResult;
let hex: string;
beforeAll(async () => {
  store = await tempStore();
  outside = await mkdtemp(join(tmpdir(), "kiln-refs-"));
  one = await addVariant(store, "one");
  two = await addVariant(store, "two");
  hex = one.manifest.image.slice(7);
});
afterAll(async () => {
  await rm(store, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe("resolveRef", () => {
  it("resolves a full id, and unique prefixes of ≥12 hex with or without sha256:", async () => {
    for (const ref of [one.manifest.image, hex, hex.slice(0, 12), `sha256:${hex.slice(0, 12)}`]) {
      expect(await resolveRef(store, ref)).toMatchObject({ kind: "stored", id: one.manifest.image, template: one.image.template });
    }
  });

  it("refuses prefixes shorter than 12, unknown refs, with the fix in the message", async () => {
    await expect(resolveRef(store, hex.slice(0, 11))).rejects.toThrow(/at least 12 hex digits/);
    await expect(resolveRef(store, `sha256:${hex.slice(0, 5)}`)).rejects.toThrow(/at least 12 hex digits/);
    await expect(resolveRef(store, "0".repeat(12))).rejects.toThrow("no image matches '000000000000' (kiln images lists them)");
    await expect(resolveRef(store, "no-such-tag")).rejects.toMatchObject({ exitCode: 2, message: "no image matches 'no-such-tag' (kiln images lists them)" });
  });

  it("names every candidate of an ambiguous prefix", async () => {
    const twin = `${hex.slice(0, 20)}${"0".repeat(44)}`;
    const s = await tempStore();
    try {
      await cp(one.image.dir, join(s, "images", hex), { recursive: true });
      await cp(one.image.dir, join(s, "images", twin), { recursive: true });
      const err = await resolveRef(s, hex.slice(0, 16)).catch((e: Error) => e);
      expect(err).toMatchObject({ exitCode: 2 });
      expect((err as Error).message).toContain(`matches 2 images: sha256:${twin < hex ? twin : hex}, sha256:${twin < hex ? hex : twin}`);
      expect((await resolveRef(s, hex.slice(0, 21))).id).toBe(`sha256:${hex}`);
    } finally {
      await rm(s, { recursive: true, force: true });
    }
  });

  it("resolves tags, and a tag moves atomically to another image", async () => {
    await tagImage(store, hex.slice(0, 12), "stable");
    expect((await resolveRef(store, "stable")).id).toBe(one.manifest.image);
    await tagImage(store, "stable", "candidate");
    await tagImage(store, two.manifest.image, "stable");
    expect((await resolveRef(store, "stable")).id).toBe(two.manifest.image);
    expect(Object.fromEntries(await listTags(store))).toEqual({ candidate: one.manifest.image, stable: two.manifest.image });
    const listed = await listImages(store);
    expect(listed.find((i) => i.id === one.manifest.image)?.tags).toEqual(["candidate"]);
  });

  it("refuses bad tag names, including ones that look like ids", async () => {
    for (const bad of ["-x", "a/b", "a b", "x".repeat(129), "abcdef012345", ""]) {
      await expect(tagImage(store, one.manifest.image, bad)).rejects.toMatchObject({ exitCode: 2 });
    }
    await expect(tagImage(store, "nope", "fine")).rejects.toThrow(/no image matches 'nope'/);
  });

  it("a template path resolves to the stored image with the same id, else to an external file", async () => {
    const copy = join(outside, "copy.tar.gz");
    await copyFile(one.image.template, copy);
    expect(await resolveRef(store, copy)).toMatchObject({ kind: "stored", id: one.manifest.image });
    const foreign = join(outside, "foreign.tar.gz");
    const packed = await packTree(memorySource(minimalTree({ add: [{ path: "etc/foreign", content: "x" }] })), {
      epoch: 1,
      compression: { kind: "gzip" },
      out: foreign,
    });
    expect(await resolveRef(store, foreign)).toEqual({ kind: "file", path: foreign, id: packed.id });
    await expect(resolveStored(store, foreign)).rejects.toThrow(/not in the store: add it with kiln pack/);
  });
});
