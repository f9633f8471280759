import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdir, readdir, writeFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { gc, hasImage, listImages, tagImage, findByInputs, type AddImageResult } from "../../../src/store/index.js";
import { addVariant, tempStore } from "./helpers.js";

let store: string;
let imgs: AddImageResult[];
/** Image ids oldest first; `.added` is set explicitly so the order does not depend on the clock. */
let ids: string[];
beforeEach(async () => {
  store = await tempStore();
  imgs = [];
  for (const [i, v] of ["a", "b", "c", "d", "e"].entries()) {
    const r = await addVariant(store, v, { meta: { inputs: `sha256:${String(i).repeat(64)}` } });
    await writeFile(join(r.image.dir, ".added"), `${1000 + i}\n`);
    imgs.push(r);
  }
  ids = imgs.map((r) => r.manifest.image);
});
afterEach(async () => {
  await rm(store, { recursive: true, force: true });
});

describe("gc", () => {
  it("keeps the newest N untagged images and every tagged or pinned one", async () => {
    await tagImage(store, ids[0] as string, "release-1");
    await mkdir(join(store, "pins"));
    await writeFile(join(store, "pins", "node-a"), `# deployed on cam1\n${ids[1]}\n`);
    const r = await gc(store, { keep: 1 });
    expect(r.removed).toEqual([ids[2], ids[3]]);
    expect(r.kept).toEqual(
      expect.arrayContaining([
        { id: ids[0], why: "tagged" },
        { id: ids[1], why: "pinned" },
        { id: ids[4], why: "recent" },
      ]),
    );
    expect((await listImages(store)).map((i) => i.id).sort()).toEqual([ids[0], ids[1], ids[4]].sort());
    // Inputs entries of removed images are dropped; the others still resolve.
    expect(r.inputs.map((p) => p.split("/").pop())).toEqual(["2".repeat(64), "3".repeat(64)]);
    expect(await findByInputs(store, `sha256:${"4".repeat(64)}`)).toBeDefined();
    expect(await readdir(join(store, "tmp"))).toEqual([]);
  });

  it("--dry-run says what it would remove and removes nothing", async () => {
    const r = await gc(store, { keep: 2, dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.removed).toEqual([ids[0], ids[1], ids[2]]);
    for (const id of ids) expect(await hasImage(store, id)).toBe(true);
  });

  it("removes stale temp dirs of dead writers but not live ones", async () => {
    const dead = join(store, "tmp", "999999999-abc123");
    const live = join(store, "tmp", `${process.ppid}-def456`);
    await mkdir(dead, { recursive: true });
    await writeFile(join(dead, "template.partial"), "half");
    await mkdir(live, { recursive: true });
    const r = await gc(store, { keep: 10 });
    expect(r.removed).toEqual([]);
    expect(r.temps).toEqual([dead]);
    expect((await readdir(join(store, "tmp"))).sort()).toEqual([`${process.ppid}-def456`]);
  });
});
