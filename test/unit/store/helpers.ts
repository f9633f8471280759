// Shared by the store tests: temp stores and images made from memory trees (gzip: no external tool).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memorySource, type MemoryNode } from "../../../src/archive/index.js";
import { addImage, type AddImageResult, type ImageMeta } from "../../../src/store/index.js";
import { minimalTree } from "../check/minimal-tree.js";

/** A new empty store directory under the OS temp dir (the caller removes it). */
export function tempStore(): Promise<string> {
  return mkdtemp(join(tmpdir(), "kiln-store-"));
}

/** Metadata for a test image; `over` replaces fields. */
export function meta(over: Partial<ImageMeta> = {}): ImageMeta {
  return {
    name: "cam-node",
    version: "1.0.0",
    arch: "amd64",
    ostype: "debian",
    origin: "bake",
    inputs: null,
    recipe: { name: "cam-node.toml", sha256: "a".repeat(64) },
    lockSha256: "b".repeat(64),
    debs: [
      { name: "ifupdown", version: "0.8.41", arch: "amd64" },
      { name: "base-files", version: "12.4+deb12u5", arch: "amd64" },
      { name: "libstdc++6", version: "12.2.0-14", arch: "amd64" },
    ],
    python: [{ name: "katcp", version: "0.9.3" }],
    checkouts: [{ name: "sim", kind: "git", url: "file:///srv/sim.git", revision: "c".repeat(40), dest: "/opt/sim" }],
    verify: null,
    sourceDateEpoch: 1_700_000_000,
    ...over,
  };
}

/** Adds the minimal tree (plus a file that makes it unique per `variant`) to the store. */
export function addVariant(
  store: string,
  variant: string,
  o: { readonly meta?: Partial<ImageMeta>; readonly nodes?: readonly MemoryNode[] } = {},
): Promise<AddImageResult> {
  const nodes = o.nodes ?? minimalTree({ add: [{ path: "etc/variant", content: `${variant}\n` }] });
  return addImage(store, { source: memorySource(nodes), meta: meta(o.meta), compression: { kind: "gzip" } });
}
