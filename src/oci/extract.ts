// Reading a bundle tar: only the OCI layout's own names are accepted (oci-layout, index.json,
// blobs/sha256/<64 hex>), each blob is hashed while it is written and must match its name.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseTar } from "../archive/tar-reader.js";
import { UserError } from "../errors.js";
import type { LayerScan } from "./bundle.js";
import { quoteInput } from "../util/quote.js";

/** Largest index.json / oci-layout / JSON blob read into memory. */
export const MAX_JSON_BYTES = 8 << 20;

/** What a bundle held, once every blob's digest is checked. */
export interface ExtractedLayout {
  readonly dir: string;
  readonly indexJson: Buffer;
  readonly ociLayout: Buffer;
  /** Blob sizes by digest ("sha256:<hex>"). */
  readonly blobs: ReadonlyMap<string, number>;
  /** Layers already read while they arrived (kiln pull), by digest: planImport checks these scans instead of re-reading. */
  readonly scans?: ReadonlyMap<string, Promise<LayerScan>>;
}

/** Bad input naming the bundle. */
export function bad(file: string, message: string): UserError {
  return new UserError({ file, message: `${message}; nothing was imported` });
}

const DIRS = new Set([".", "blobs", "blobs/sha256"]);

/** Writes a body to `path` while hashing it; returns the hex digest. */
async function saveBlob(body: AsyncIterable<Buffer>, path: string): Promise<string> {
  const h = createHash("sha256");
  const out = createWriteStream(path, { flags: "wx" });
  for await (const b of body) {
    h.update(b);
    if (!out.write(b)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
  return h.digest("hex");
}

/** Extracts bundle `file` into `dir` (which it creates), checking every name and blob digest. */
export async function extractBundle(file: string, dir: string): Promise<ExtractedLayout> {
  try {
    return await extract(file, dir);
  } catch (e) {
    // A malformed or truncated tar (from the tar reader) gets the same ending as every bundle error.
    if (e instanceof UserError && !e.message.includes("nothing was imported")) throw new UserError(`${e.message}; nothing was imported`, { cause: e });
    throw e;
  }
}

/** extractBundle's work. */
async function extract(file: string, dir: string): Promise<ExtractedLayout> {
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  const blobs = new Map<string, number>();
  let indexJson: Buffer | undefined;
  let ociLayout: Buffer | undefined;
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  for await (const { entry, body } of parseTar(input, file)) {
    const p = entry.path;
    if (entry.type === "dir" && DIRS.has(p)) continue;
    if (entry.type !== "file") throw bad(file, `member ${quoteInput(entry.name)} is a ${entry.type}: an OCI layout holds only files and directories`);
    if (p === "index.json" || p === "oci-layout") {
      if (entry.size > MAX_JSON_BYTES) throw bad(file, `${p} is ${entry.size} bytes, over ${MAX_JSON_BYTES}`);
      if ((p === "index.json" ? indexJson : ociLayout) !== undefined) throw bad(file, `${p} appears twice`);
      const bytes = await body.bytes();
      if (p === "index.json") indexJson = bytes;
      else ociLayout = bytes;
      continue;
    }
    const hex = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(p)?.[1];
    if (hex === undefined) throw bad(file, `member ${quoteInput(entry.name)} is not part of an OCI image layout`);
    const digest = `sha256:${hex}`;
    if (blobs.has(digest)) throw bad(file, `blob ${digest} appears twice`);
    const got = await saveBlob(body, join(dir, "blobs", "sha256", hex));
    if (got !== hex) throw bad(file, `blob ${digest} has sha256 ${got}: the bundle is damaged`);
    blobs.set(digest, entry.size);
  }
  if (!ociLayout) throw bad(file, "no oci-layout file: not an OCI image layout");
  if (!indexJson) throw bad(file, "no index.json: not an OCI image layout");
  return { dir, indexJson, ociLayout, blobs };
}
