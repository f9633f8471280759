// A swapped or altered template in the store is refused on read: by inspect (manifest and paths), by
// check REF and kiln store verify (compressed sha256 and image id, one read), and by the verification
// deploy, verify and vm run before they hand the template on.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { memorySource } from "../../../src/archive/index.js";
import { checkRef } from "../../../src/check/check-ref.js";
import { main } from "../../../src/main.js";
import { addImage, DamagedEntry, inspectImage, verifiedImage, verifyStore, type AddImageResult } from "../../../src/store/index.js";
import { minimalTree } from "../check/minimal-tree.js";
import { addVariant, meta, tempStore } from "./helpers.js";

let store: string;
let good: AddImageResult;
let other: AddImageResult;
let zst: AddImageResult;
let original: Map<string, Buffer>;
beforeAll(async () => {
  store = await tempStore();
  good = await addVariant(store, "good");
  other = await addVariant(store, "other");
  zst = await addImage(store, {
    source: memorySource(minimalTree({ add: [{ path: "etc/variant", content: "zstd\n" }] })),
    meta: meta(),
    compression: { kind: "zstd" },
  });
  original = new Map();
  for (const r of [good, other, zst]) for (const p of [r.image.template, r.image.manifest]) original.set(p, await readFile(p));
});
afterEach(async () => {
  for (const [p, data] of original) await writeFile(p, data);
  vi.restoreAllMocks();
});
afterAll(async () => {
  await rm(store, { recursive: true, force: true });
});

/** Rewrites image `r`'s manifest.json through `edit`. */
async function editManifest(r: AddImageResult, edit: (m: Record<string, unknown> & { template: Record<string, unknown> }) => void): Promise<void> {
  const m = JSON.parse(await readFile(r.image.manifest, "utf8")) as Record<string, unknown> & { template: Record<string, unknown> };
  edit(m);
  await writeFile(r.image.manifest, JSON.stringify(m));
}

/** The DamagedEntry `p` rejects with (fails the test if it resolves or throws anything else). */
async function damage(p: Promise<unknown>): Promise<DamagedEntry> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DamagedEntry);
  const d = e as DamagedEntry;
  expect(d.exitCode).toBe(1);
  expect(d.message).toContain("kiln store verify");
  return d;
}

/** Runs the CLI quietly; returns its exit code and what it printed on stdout. */
async function cli(args: readonly string[]): Promise<{ code: number; out: string }> {
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const code = await main([...args, "--store", store]);
  return { code, out };
}

describe("a sound store", () => {
  it("passes inspect, check, store verify and the deploy-side verification (gzip and zstd)", async () => {
    for (const r of [good, zst]) {
      expect((await inspectImage(store, r.manifest.image)).manifest.image).toBe(r.manifest.image);
      expect((await checkRef(store, r.manifest.image)).ok).toBe(true);
      await verifiedImage(store, r.manifest.image);
      await verifiedImage(store, r.manifest.image, { deep: true });
    }
    expect((await verifyStore(store)).every((v) => v.ok)).toBe(true);
    expect((await cli(["store", "verify"])).code).toBe(0);
  });
});

describe("a damaged entry", () => {
  it("swapped template (another image's tar under this name): check, store verify and deploy verification refuse", async () => {
    await copyFile(other.image.template, good.image.template);
    const id = good.manifest.image;
    const d = await damage(verifiedImage(store, id));
    expect(d.message).toContain(id);
    expect(d.message).toContain(good.image.template);
    expect(d.message).toContain(good.manifest.template.sha256);
    expect(d.message).toContain(other.manifest.template.sha256);
    await damage(checkRef(store, id));
    expect(await verifyStore(store)).toEqual(
      [...[good, other, zst].map((r) => r.manifest.image)]
        .sort()
        .map((i) =>
          i === id ? { id, ok: false, problems: [expect.stringContaining("its sha256 is") as unknown as string] } : { id: i, ok: true, problems: [] },
        ),
    );
    const r = await cli(["store", "verify"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^damaged ${id}: `, "m"));
    expect((await cli(["fsck", id])).code).toBe(1);
    expect((await cli(["store", "verify", other.manifest.image])).code).toBe(0);
  });

  it("swapped template with template.sha256 edited to match: the image id check (check, store verify) refuses", async () => {
    await copyFile(other.image.template, good.image.template);
    await editManifest(good, (m) => void (m.template.sha256 = other.manifest.template.sha256));
    const d = await damage(checkRef(store, good.manifest.image));
    expect(d.message).toContain(`the uncompressed tar's sha256 is ${other.manifest.image}`);
    await damage(verifiedImage(store, good.manifest.image, { deep: true }));
    expect((await verifyStore(store, [good.manifest.image]))[0]?.ok).toBe(false);
  });

  it("edited template.sha256: check, store verify and deploy verification refuse (zstd)", async () => {
    await editManifest(zst, (m) => void (m.template.sha256 = "0".repeat(64)));
    await damage(verifiedImage(store, zst.manifest.image));
    await damage(checkRef(store, zst.manifest.image));
    expect((await verifyStore(store, [zst.manifest.image]))[0]?.problems[0]).toContain(`template.sha256 is ${"0".repeat(64)}`);
  });

  for (const file of ["../../../etc/passwd", "/etc/passwd", "..", "debian-cam-node_1.0.0-000000000000_amd64.tar.gz"]) {
    it(`template.file ${JSON.stringify(file)}: inspect, check, store verify and deploy verification refuse without reading it`, async () => {
      await editManifest(good, (m) => void (m.template.file = file));
      const id = good.manifest.image;
      const d = await damage(inspectImage(store, id));
      expect(d.message).toContain("template.file");
      await damage(checkRef(store, id));
      await damage(verifiedImage(store, id));
      const [v] = await verifyStore(store, [id]);
      expect(v?.problems.join()).toContain("template.file");
      expect((await cli(["store", "verify", id, "--json"])).code).toBe(1);
    });
  }

  it("manifest naming another image: refused", async () => {
    await editManifest(good, (m) => void (m.image = other.manifest.image));
    const d = await damage(inspectImage(store, good.manifest.image));
    expect(d.message).toContain(`but it is in the directory of ${good.manifest.image}`);
  });

  it("missing template: refused", async () => {
    await rm(good.image.template);
    const d = await damage(verifiedImage(store, good.manifest.image));
    expect(d.message).toContain("the template file is missing");
  });
});
