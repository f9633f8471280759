// bake --check-reproducible: bake twice from scratch under different conditions (another work
// directory, another store, a different umask, later clock) and compare the image ids; when they
// differ, name the files that differ.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { info } from "../log.js";
import { diffImages, readIndex, readManifest } from "../store/index.js";
import { bake, type BakeOptions, type BakeResult } from "./pipeline.js";

export interface ReproducibilityReport {
  readonly reproducible: boolean;
  readonly first: BakeResult;
  readonly second: string;
  /** Paths that differ (added, removed or changed), when the ids differ. */
  readonly differences: readonly string[];
}

/** Bakes twice (the first into the real store) and compares. */
export async function checkReproducible(o: BakeOptions): Promise<ReproducibilityReport> {
  // Both cold (noCache): a snapshot from the layer cache would make the comparison meaningless.
  const first = await bake({ ...o, force: true, noCache: true });
  const otherStore = await mkdtemp(join(tmpdir(), "kiln-repro-store-"));
  const umask = process.umask(0o077);
  try {
    info("bake: second bake, to compare (other store, umask 077)");
    const second = await bake({ ...o, store: otherStore, force: true, noCache: true });
    if (second.image === first.image) return { reproducible: true, first, second: second.image, differences: [] };
    const [a, b] = await Promise.all([readManifest(o.store, first.image), readManifest(otherStore, second.image)]);
    const d = diffImages({ a, b, aFiles: await readIndex(o.store, first.image), bFiles: await readIndex(otherStore, second.image) });
    const differences = [
      ...d.files.added.map((p) => `+ ${p}`),
      ...d.files.removed.map((p) => `- ${p}`),
      ...d.files.changed.map((c) => `~ ${c.path} (${c.fields.join(", ")})`),
    ];
    return { reproducible: false, first, second: second.image, differences };
  } finally {
    process.umask(umask);
    await rm(otherStore, { recursive: true, force: true });
  }
}
