// `kiln oci` and `kiln export`: stored images (verified first) into one OCI image layout, written
// as a directory or as an oci-archive tar. The output appears whole or not at all.
import { readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { resolveStored } from "../store/refs.js";
import { readManifest } from "../store/read.js";
import { readTag } from "../store/tags.js";
import { quoteInput } from "../util/quote.js";
import { tempDirIn } from "../util/fs.js";
import { writeLayoutArchive } from "./archive.js";
import { writeImage, type WrittenImage } from "./image.js";
import { LayoutWriter } from "./layout.js";
import type { Descriptor } from "./manifest.js";
import type { LayerCompression } from "./media-types.js";

export type OciFormat = "layout" | "archive";

export interface WriteOciOptions {
  readonly out: string;
  readonly format: OciFormat;
  /** Layer compression; none: each template as stored. */
  readonly compression?: LayerCompression;
  /** false: the images alone, without their kiln manifest and attestations as referrers (default true). */
  readonly referrers?: boolean;
  /** Hard-link templates used as-is into the layout, unverified (kiln push's temp layout only: push verifies them). */
  readonly link?: boolean;
}

export interface WriteOciResult {
  readonly out: string;
  readonly format: OciFormat;
  readonly images: readonly {
    readonly id: string;
    readonly manifest: string;
    readonly refNames: readonly string[];
    readonly layer: string;
    readonly referrers: number;
  }[];
  /** sha256 of the archive file (archive format only). */
  readonly sha256?: string;
}

/** Refuses an output path that exists (a directory may exist if empty, for the layout format). */
async function checkOut(out: string, format: OciFormat): Promise<void> {
  let names: string[];
  try {
    names = await readdir(out);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    if (code === "ENOTDIR") throw new UserError({ key: "--out", message: `${quoteInput(out)} exists: remove it or choose another path` });
    throw e;
  }
  if (format === "archive" || names.length > 0)
    throw new UserError({ key: "--out", message: `${quoteInput(out)} exists and is not an empty directory: remove it or choose another path` });
}

/** Resolves every REF to a stored image id (order kept, duplicates merged), with the tags REFs named. */
async function resolveAll(store: string, refs: readonly string[]): Promise<Map<string, string[]>> {
  const ids = new Map<string, string[]>();
  for (const ref of refs) {
    const id = (await resolveStored(store, ref)).id;
    const tags = ids.get(id) ?? [];
    if ((await readTag(store, ref)) === id && !tags.includes(ref)) tags.push(ref);
    ids.set(id, tags);
  }
  return ids;
}

/** Writes the images REFs name into an OCI layout at `o.out`. */
export async function writeOci(store: string, refs: readonly string[], o: WriteOciOptions): Promise<WriteOciResult> {
  if (refs.length === 0) throw new UserError("give at least one image reference");
  const out = resolve(o.out);
  await checkOut(out, o.format);
  const ids = await resolveAll(store, refs);
  const staging = await tempDirIn(dirname(out), `${basename(out)}.oci`);
  try {
    const w = new LayoutWriter(join(staging, "layout"));
    await w.init();
    const written: WrittenImage[] = [];
    for (const [id, tags] of ids) written.push(await writeImage(w, store, id, { compression: o.compression, tags, referrers: o.referrers, link: o.link }));
    const index: Descriptor[] = written.flatMap((x) => [...x.listed, ...x.referrers]);
    await w.finish(index);
    let sha256: string | undefined;
    if (o.format === "archive") {
      // The newest SOURCE_DATE_EPOCH of the images dates the archive's entries.
      const epochs = await Promise.all([...ids.keys()].map(async (id) => (await readManifest(store, id)).sourceDateEpoch));
      sha256 = await writeLayoutArchive(w.dir, out, Math.max(...epochs));
    } else {
      await rm(out, { recursive: true, force: true }); // an empty directory (checked above)
      await rename(w.dir, out);
    }
    const images = written.map((x) => ({
      id: x.id,
      manifest: x.manifest.digest,
      refNames: x.listed.map((d) => d.annotations?.["org.opencontainers.image.ref.name"] ?? ""),
      layer: x.layer.digest,
      referrers: x.referrers.length,
    }));
    return { out, format: o.format, images, ...(sha256 ? { sha256 } : {}) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
