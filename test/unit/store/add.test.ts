import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { listTemplate } from "../../../src/archive/index.js";
import { findByInputs, hasImage, listImages, readIndex, readManifest } from "../../../src/store/index.js";
import { addVariant, tempStore } from "./helpers.js";

let store: string;
let other: string;
beforeEach(async () => {
  store = await tempStore();
  other = await tempStore();
});
afterEach(async () => {
  await rm(store, { recursive: true, force: true });
  await rm(other, { recursive: true, force: true });
});

describe("addImage", () => {
  it("lays out images/<hex>/ with a Proxmox-named template, manifest, SBOM, file index", async () => {
    const r = await addVariant(store, "one");
    const hex = r.manifest.image.slice("sha256:".length);
    expect(r.existed).toBe(false);
    expect(r.image.dir).toBe(join(store, "images", hex));
    expect((await readdir(r.image.dir)).sort()).toEqual(
      [".added", "files.tsv", "manifest.json", "sbom.cdx.json", `debian-cam-node_1.0.0-${hex.slice(0, 12)}_amd64.tar.gz`].sort(),
    );
    // The template really holds the image: its recomputed id is the manifest's.
    expect((await listTemplate(r.image.template)).id).toBe(r.manifest.image);
    expect(r.manifest.template.size).toBe((await stat(r.image.template)).size);
    // Lists come out sorted whatever order the caller gave.
    expect(r.manifest.debs.map((d) => d.name)).toEqual(["base-files", "ifupdown", "libstdc++6"]);
    const index = await readIndex(store, r.manifest.image);
    expect(index.find((e) => e.path === "etc/variant")?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(index.find((e) => e.path === "bin")).toMatchObject({ type: "symlink", digest: "usr/bin" });
    expect(await readdir(join(store, "tmp"))).toEqual([]);
  });

  it("writes a reproducible manifest and SBOM: equal inputs give equal bytes in another store", async () => {
    const a = await addVariant(store, "one");
    const b = await addVariant(other, "one");
    expect(a.manifest.image).toBe(b.manifest.image);
    for (const f of ["manifest.json", "sbom.cdx.json", "files.tsv"]) {
      expect(await readFile(join(a.image.dir, f), "utf8")).toBe(await readFile(join(b.image.dir, f), "utf8"));
    }
    const text = await readFile(a.image.manifest, "utf8");
    expect(text).not.toContain(store);
    expect(text.endsWith("}\n")).toBe(true);
  });

  it("the SBOM is CycloneDX 1.5 with purls and a serial derived from the image id", async () => {
    const r = await addVariant(store, "one");
    const sbom = JSON.parse(await readFile(r.image.sbom, "utf8"));
    expect(sbom).toMatchObject({
      bomFormat: "CycloneDX",
      specVersion: "1.5",
      version: 1,
      metadata: { timestamp: "2023-11-14T22:13:20Z", component: { type: "container", name: "cam-node", version: "1.0.0" } },
    });
    expect(sbom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sbom.serialNumber.replace(/-/g, "").slice(9, 17)).toBe(r.manifest.image.slice(7, 15));
    const purls = sbom.components.map((c: { purl?: string; name: string }) => c.purl ?? c.name);
    expect(purls).toEqual([
      "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64",
      "pkg:deb/debian/ifupdown@0.8.41?arch=amd64",
      "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14?arch=amd64",
      "pkg:pypi/katcp@0.9.3",
      "sim",
    ]);
    expect(sbom.components[4].externalReferences).toEqual([{ type: "vcs", url: "file:///srv/sim.git" }]);
  });

  it("adding the same tree again returns the existing entry and leaves no temp", async () => {
    const a = await addVariant(store, "one");
    const b = await addVariant(store, "one", { meta: { version: "2.0.0" } });
    expect(b.existed).toBe(true);
    expect(b.manifest.image).toBe(a.manifest.image);
    expect(b.manifest.version).toBe("1.0.0");
    expect(await readdir(join(store, "tmp"))).toEqual([]);
    expect(await listImages(store)).toHaveLength(1);
  });

  it("records the inputs hash only for the image in place, so findByInputs returns it", async () => {
    const inputs = `sha256:${"d".repeat(64)}`;
    expect(await findByInputs(store, inputs)).toBeUndefined();
    const r = await addVariant(store, "one", { meta: { inputs } });
    expect((await findByInputs(store, inputs))?.id).toBe(r.manifest.image);
    expect(await findByInputs(store, `sha256:${"e".repeat(64)}`)).toBeUndefined();
    // An inputs entry whose image is gone finds nothing.
    await rm(r.image.dir, { recursive: true });
    expect(await findByInputs(store, inputs)).toBeUndefined();
  });

  it("refuses bad names before writing anything", async () => {
    await expect(addVariant(store, "x", { meta: { name: "Cam_Node", version: "1.0", arch: "sparc" } })).rejects.toMatchObject({
      exitCode: 2,
      problems: [{ key: "name" }, { key: "version" }, { key: "arch" }],
    });
    expect(await readdir(store)).toEqual([]);
  });

  it("listImages and readManifest read back what was added, newest first", async () => {
    const a = await addVariant(store, "one");
    await new Promise((r) => setTimeout(r, 5));
    const b = await addVariant(store, "two", { meta: { version: "1.1.0" } });
    const list = await listImages(store);
    expect(list.map((i) => [i.id, i.version])).toEqual([
      [b.manifest.image, "1.1.0"],
      [a.manifest.image, "1.0.0"],
    ]);
    expect((await readManifest(store, a.manifest.image)).version).toBe("1.0.0");
    expect(await hasImage(store, `sha256:${"0".repeat(64)}`)).toBe(false);
  });
});
