// manifest.json: built from the caller's metadata and the pack result; reproducible (canonical JSON,
// no timestamps, durations, hostnames or absolute paths), so equal inputs give equal bytes.
import { readFile } from "node:fs/promises";
import type { PackResult } from "../archive/types.js";
import { ToolError } from "../errors.js";
import { kilnVersion } from "../version.js";
import type { ImageMeta, Manifest } from "./types.js";
import { messageOf } from "../util/thrown.js";

/** Orders strings bytewise (not by locale), so the order is the same on every machine. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The manifest of a packed image; lists are sorted so their order never depends on discovery order. */
export function buildManifest(o: {
  readonly meta: ImageMeta;
  readonly pack: PackResult;
  readonly templateFile: string;
  readonly compression: "zstd" | "gzip";
}): Manifest {
  const { meta, pack } = o;
  return {
    manifestVersion: 1,
    image: pack.id,
    name: meta.name,
    version: meta.version,
    arch: meta.arch,
    ostype: meta.ostype,
    template: { file: o.templateFile, sha256: pack.fileSha256, size: pack.fileSize, compression: o.compression },
    tarSize: pack.tarSize,
    entries: pack.entries,
    inputs: meta.inputs,
    kilnVersion,
    sourceDateEpoch: meta.sourceDateEpoch,
    origin: meta.origin,
    recipe: meta.recipe,
    lockSha256: meta.lockSha256,
    debs: [...meta.debs].sort((a, b) => byteOrder(a.name, b.name) || byteOrder(a.arch, b.arch)),
    python: [...meta.python].sort((a, b) => byteOrder(a.name, b.name)),
    checkouts: [...meta.checkouts].sort((a, b) => byteOrder(a.name, b.name)),
    verify: meta.verify,
  };
}

/** Reads and minimally checks a manifest.json file. */
export async function readManifestFile(path: string): Promise<Manifest> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new ToolError(`${path}: cannot read the manifest (${messageOf(e)}); the store entry is damaged: remove it and re-pack or re-bake`, {
      cause: e,
    });
  }
  if (!isKilnManifest(value)) {
    throw new ToolError(`${path}: not a kiln manifest (manifestVersion 1); the store entry is damaged: remove it and re-pack or re-bake`);
  }
  return value;
}

/**
 * True for a manifest.json kiln wrote: manifestVersion 1 with an image id and a name. The rest is taken as
 * kiln wrote it; manifestProblems (integrity.ts) checks the fields a path or a command is made from.
 */
function isKilnManifest(v: unknown): v is Manifest {
  if (typeof v !== "object" || v === null) return false;
  return "manifestVersion" in v && v.manifestVersion === 1 && "image" in v && typeof v.image === "string" && "name" in v && typeof v.name === "string";
}
