import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rm } from "node:fs/promises";
import type { IndexEntry } from "../../../src/archive/index.js";
import { compareDebVersions } from "../../../src/debian/version.js";
import { diffImages, diffRefs, type Manifest } from "../../../src/store/index.js";
import { minimalTree } from "../check/minimal-tree.js";
import { addVariant, meta, tempStore } from "./helpers.js";

/** A manifest with just what diff reads. */
function manifest(over: Partial<Manifest>): Manifest {
  const m = meta();
  return {
    manifestVersion: 1,
    image: "sha256:a",
    name: m.name,
    version: m.version,
    arch: "amd64",
    ostype: "debian",
    template: { file: "t", sha256: "", size: 0, compression: "zstd" },
    tarSize: 0,
    entries: 0,
    inputs: null,
    kilnVersion: "0",
    sourceDateEpoch: 0,
    origin: "bake",
    recipe: null,
    lockSha256: null,
    debs: [],
    python: [],
    checkouts: [],
    verify: null,
    ...over,
  };
}

const file = (path: string, over: Partial<IndexEntry> = {}): IndexEntry => ({
  path,
  type: "file",
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 1,
  digest: "d1",
  ...over,
});

describe("diffImages", () => {
  it("orders deb changes the Debian way (epochs, tildes) and keys foreign arches apart", () => {
    const a = manifest({
      debs: [
        { name: "libc6", version: "2.36-9", arch: "amd64" },
        { name: "tzdata", version: "2024a-0+deb12u1", arch: "all" },
        { name: "vim", version: "2:9.0.1378-2", arch: "amd64" },
        { name: "libc6", version: "2.36-9", arch: "i386" },
        { name: "gone", version: "1", arch: "amd64" },
      ],
    });
    const b = manifest({
      image: "sha256:b",
      debs: [
        { name: "libc6", version: "2.36-9+deb12u4", arch: "amd64" },
        { name: "tzdata", version: "2024a-0+deb12u1", arch: "amd64" },
        { name: "vim", version: "1:9.1.0-1", arch: "amd64" },
        { name: "new", version: "1.0~rc1", arch: "amd64" },
      ],
    });
    const d = diffImages({ a, b, aFiles: [], bFiles: [], debOrder: compareDebVersions });
    expect(d.debs.added).toEqual([{ name: "new", version: "1.0~rc1" }]);
    expect(d.debs.removed).toEqual([
      { name: "gone", version: "1" },
      { name: "libc6:i386", version: "2.36-9" },
    ]);
    expect(d.debs.changed).toEqual([
      { name: "libc6", from: "2.36-9", to: "2.36-9+deb12u4", direction: "upgrade" },
      { name: "vim", from: "2:9.0.1378-2", to: "1:9.1.0-1", direction: "downgrade" },
    ]);
  });

  it("without an order, or with versions it cannot parse, a change has no direction", () => {
    const a = manifest({ python: [{ name: "katcp", version: "0.9.3" }] });
    const b = manifest({ python: [{ name: "katcp", version: "0.9.4" }] });
    expect(diffImages({ a, b, aFiles: [], bFiles: [] }).python.changed[0]?.direction).toBe("changed");
    const throwing = () => {
      throw new Error("bad");
    };
    expect(diffImages({ a, b, aFiles: [], bFiles: [], pythonOrder: throwing }).python.changed[0]?.direction).toBe("changed");
  });

  it("reports checkouts added, removed and changed by field", () => {
    const co = { name: "sim", kind: "git" as const, url: "u", revision: "r1", dest: "/opt/sim" };
    const a = manifest({ checkouts: [co, { ...co, name: "old" }] });
    const b = manifest({
      checkouts: [
        { ...co, revision: "r2", url: "u2" },
        { ...co, name: "fresh", kind: "svn" },
      ],
    });
    expect(diffImages({ a, b, aFiles: [], bFiles: [] }).checkouts).toEqual({
      added: ["fresh"],
      removed: ["old"],
      changed: [{ name: "sim", fields: ["revision", "url"], from: "r1", to: "r2" }],
    });
  });

  it("reports files by content, link target, type, mode and owner", () => {
    const aFiles = [
      file("etc/a"),
      file("etc/b"),
      file("etc/c"),
      file("etc/d"),
      file("etc/gone"),
      file("etc/l", { type: "symlink", digest: "x" }),
      file("etc/t"),
    ];
    const bFiles = [
      file("etc/a"),
      file("etc/b", { digest: "d2" }),
      file("etc/c", { mode: 0o600 }),
      file("etc/d", { uid: 1000 }),
      file("etc/new"),
      file("etc/l", { type: "symlink", digest: "y" }),
      file("etc/t", { type: "dir", digest: "" }),
    ];
    const d = diffImages({ a: manifest({}), b: manifest({}), aFiles, bFiles });
    expect(d.files).toEqual({
      added: ["etc/new"],
      removed: ["etc/gone"],
      changed: [
        { path: "etc/b", fields: ["content"] },
        { path: "etc/c", fields: ["mode"] },
        { path: "etc/d", fields: ["owner"] },
        { path: "etc/l", fields: ["target"] },
        { path: "etc/t", fields: ["type"] },
      ],
    });
  });
});

describe("diffRefs", () => {
  let store: string;
  beforeAll(async () => {
    store = await tempStore();
  });
  afterAll(async () => {
    await rm(store, { recursive: true, force: true });
  });

  it("compares two stored images through their manifests and files.tsv", async () => {
    const a = await addVariant(store, "a", {
      nodes: minimalTree({
        add: [
          { path: "etc/motd", content: "one\n" },
          { path: "etc/tab\tname", content: "x" },
        ],
      }),
    });
    const b = await addVariant(store, "b", {
      nodes: minimalTree({
        add: [
          { path: "etc/motd", content: "two\n", mode: 0o600 },
          { path: "etc/new\nline", content: "x" },
        ],
      }),
      meta: { debs: [{ name: "ifupdown", version: "0.8.42", arch: "amd64" }] },
    });
    const d = await diffRefs(store, a.manifest.image, b.manifest.image.slice(0, 19));
    expect(d.files).toEqual({ added: ["etc/new\nline"], removed: ["etc/tab\tname"], changed: [{ path: "etc/motd", fields: ["content", "mode"] }] });
    expect(d.debs.changed).toEqual([{ name: "ifupdown", from: "0.8.41", to: "0.8.42", direction: "upgrade" }]);
    expect(d.debs.removed.map((x) => x.name)).toEqual(["base-files", "libstdc++6"]);
  });
});
