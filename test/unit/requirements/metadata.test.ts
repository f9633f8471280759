import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { parseMetadata, parseMetadataHeaders, readWheelMetadata, readWheelMetadataFromBuffer } from "../../../src/requirements/metadata.js";
import { listZip, readZipEntry, ZipError } from "../../../src/requirements/zip.js";
import { makeZip } from "./zip-writer.js";

const METADATA = [
  "Metadata-Version: 2.1",
  "Name: requests",
  "Version: 2.31.0",
  "Summary: Python HTTP for Humans.",
  "Requires-Python: >=3.7",
  "Requires-Dist: charset-normalizer (<4,>=2)",
  "Requires-Dist: idna<4,>=2.5",
  "Requires-Dist: urllib3<3,",
  "  >=1.21.1",
  "Requires-Dist: PySocks!=1.5.7,>=1.5.6 ; extra == 'socks'",
  "Provides-Extra: socks",
  "Description-Content-Type: text/markdown",
  "",
  "Requires-Dist: not-a-header (this is the description body)",
].join("\r\n");

describe("METADATA headers", () => {
  it("reads repeated headers, unfolds continuation lines and stops at the body", () => {
    const h = parseMetadataHeaders(METADATA);
    expect(h.get("requires-dist")).toEqual(["charset-normalizer (<4,>=2)", "idna<4,>=2.5", "urllib3<3, >=1.21.1", "PySocks!=1.5.7,>=1.5.6 ; extra == 'socks'"]);
    expect(h.get("name")).toEqual(["requests"]);
  });

  it("picks out the fields the closure check needs", () => {
    expect(parseMetadata(METADATA, "x.whl")).toEqual({
      name: "requests",
      version: "2.31.0",
      requiresDist: ["charset-normalizer (<4,>=2)", "idna<4,>=2.5", "urllib3<3, >=1.21.1", "PySocks!=1.5.7,>=1.5.6 ; extra == 'socks'"],
      requiresPython: ">=3.7",
      providesExtra: ["socks"],
    });
    expect(parseMetadata("Name: a\nVersion: 1\n", "a.whl")).toEqual({ name: "a", version: "1", requiresDist: [], providesExtra: [] });
  });

  it("refuses METADATA without a Name or Version", () => {
    expect(() => parseMetadata("Name: a\n", "a.whl")).toThrow("a.whl: METADATA has no Version header");
  });
});

describe("zip reader", () => {
  const files = [
    { name: "pkg/__init__.py", data: "x = 1\n".repeat(100), method: 8 as const },
    { name: "pkg/data.bin", data: Buffer.from([0, 1, 2, 255]), method: 0 as const },
  ];

  it.each([false, true])("lists and reads stored and deflated entries (zip64 end records: %s)", (zip64) => {
    const zip = makeZip(files, { zip64, comment: "a comment" });
    const entries = listZip(zip);
    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ["pkg/__init__.py", 8, 600],
      ["pkg/data.bin", 0, 4],
    ]);
    expect(readZipEntry(zip, entries[0]!).toString()).toBe("x = 1\n".repeat(100));
    expect([...readZipEntry(zip, entries[1]!)]).toEqual([0, 1, 2, 255]);
  });

  it("detects corruption by CRC-32 and refuses what is not a zip", () => {
    const zip = makeZip(files);
    const entry = listZip(zip)[1]!;
    zip[entry.localOffset + 30 + entry.name.length] ^= 0xff;
    expect(() => readZipEntry(zip, entry)).toThrow("CRC-32 mismatch");
    expect(() => listZip(Buffer.from("definitely not a zip file, just some text"))).toThrow(ZipError);
    expect(() => listZip(makeZip(files).subarray(40))).toThrow(ZipError);
  });
});

describe("wheel METADATA", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kiln-wheel-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const wheel = (extra: { name: string; data: string }[] = []) =>
    makeZip([
      { name: "requests/__init__.py", data: "" },
      { name: "requests-2.31.0.dist-info/METADATA", data: METADATA },
      { name: "requests-2.31.0.dist-info/RECORD", data: "" },
      ...extra,
    ]);

  it("reads METADATA from a wheel file", async () => {
    await writeFile(join(dir, "requests-2.31.0-py3-none-any.whl"), wheel());
    const m = await readWheelMetadata(join(dir, "requests-2.31.0-py3-none-any.whl"));
    expect(m.name).toBe("requests");
    expect(m.requiresDist).toHaveLength(4);
  });

  it("ignores METADATA files below the top level, and refuses a wheel with none or two", () => {
    expect(readWheelMetadataFromBuffer(wheel([{ name: "vendored/x-1.dist-info/METADATA", data: "Name: x\nVersion: 1\n" }]), "w.whl").name).toBe("requests");
    expect(() => readWheelMetadataFromBuffer(makeZip([{ name: "a.py", data: "" }]), "w.whl")).toThrow("w.whl: not a valid wheel: no *.dist-info/METADATA");
    expect(() => readWheelMetadataFromBuffer(wheel([{ name: "other-1.dist-info/METADATA", data: "Name: o\nVersion: 1\n" }]), "w.whl")).toThrow(
      "several METADATA files",
    );
  });

  it("turns a broken archive into a UserError naming the wheel", () => {
    expect(() => readWheelMetadataFromBuffer(Buffer.from("<html>404</html>"), "w.whl")).toThrow(UserError);
    expect(() => readWheelMetadataFromBuffer(Buffer.from("<html>404</html>"), "w.whl")).toThrow("w.whl: not a valid wheel: not a zip file");
  });
});
