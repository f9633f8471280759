// bake(): one lock + one recipe → one template in the store. Reads like a table of contents: each stage
// is `verbNoun(ctx)`, runs offline in the sandbox, and returns early when its recipe section is empty.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { diskSource } from "../archive/index.js";
import { DEFAULT_LAYER_CACHE_MAX } from "../config.js";
import { inStep } from "../errors.js";
import { step, timed } from "../log.js";
import { lockDigest } from "../lock/lock.js";
import type { Recipe } from "../recipe/types.js";
import { cacheTemp, sweepCacheTemps } from "../sources/cache.js";
import { addImage, findByInputs, readManifest } from "../store/index.js";
import { ensureProvenance } from "../trust/provenance.js";
import type { StoredImage } from "../store/types.js";
import { canonicalJson } from "../util/canonical-json.js";
import { sha256Hex } from "../util/hash.js";
import { kilnVersion } from "../version.js";
import type { BakeContext } from "./context.js";
import type { DebId } from "../sources/apt/deb-file.js";
import { installedDebs } from "../sources/apt/installed.js";
import type { LayerStage } from "./layers/keys.js";
import { debsEpoch, layerSession } from "./layers/session.js";
import { checkCache, readInputs } from "./preflight.js";
import { bootstrap } from "./stages/bootstrap.js";
import { placeCheckouts } from "./stages/checkouts.js";
import { copyFiles } from "./stages/files.js";
import { normalize } from "./stages/normalize.js";
import { removeMemoryRoot, rootParent, sweepMemoryRoots } from "./memory-root.js";
import { installPython, makeVenv, venvDistributions } from "./stages/python.js";
import { runSteps } from "./stages/run-steps.js";
import { writeImageInfo } from "./stages/image-info.js";
import { configureServices } from "./stages/services.js";

export interface BakeOptions {
  readonly recipe: Recipe;
  /** Pinned requirements overriding the recipe's [python].requirements. */
  readonly requirements?: string;
  readonly store: string;
  readonly cache: string;
  /** Rebuild even when the store has an image for these inputs. */
  readonly force?: boolean;
  /** Bake cold: neither read nor write the layer cache. */
  readonly noCache?: boolean;
  /** Bytes the layer cache may hold (Config.layerCacheMaxBytes); 0 keeps no layers. */
  readonly layerCacheMaxBytes?: number;
  /** Print which key fields changed when a stage misses the layer cache. */
  readonly explain?: boolean;
}

export interface BakeResult {
  readonly image: string;
  readonly template: string;
  readonly manifest: string;
  readonly inputs: string;
  readonly cached: boolean;
  /** Seconds per stage, in order (empty when cached). */
  readonly stages: readonly { readonly name: string; readonly seconds: number }[];
  /** The stage whose layer-cache snapshot the bake started from (the stages up to it were skipped), or null. */
  readonly resumedFrom: LayerStage | null;
}

/**
 * The inputs hash: exactly what determines the image. The recipe digest covers the resolved recipe and
 * its file sources; the lock digest covers every artifact's sha256 and SOURCE_DATE_EPOCH; kiln's version
 * covers how they are put together. Left out on purpose: paths, clock, user, cache location.
 */
export function inputsHash(o: { readonly recipeSha256: string; readonly lockSha256: string }): string {
  return `sha256:${sha256Hex(canonicalJson({ kiln: kilnVersion, bakeFormat: BAKE_FORMAT, recipe: o.recipeSha256, lock: o.lockSha256 }))}`;
}

/**
 * Bumped whenever a change to the stages changes what a bake produces from the same inputs, so a
 * store filled by an older kiln of the same version never answers for the new one.
 * 2: [verify] written into the image (/usr/lib/kiln/verify.json).
 * 3: the bootstrap runs with the newest deb build date as SOURCE_DATE_EPOCH, not the lock's (which a newer
 *    checkout raises), so its layer-cache entry survives a checkout change.
 */
export const BAKE_FORMAT = 3;

/** Bakes the recipe offline from its lock; returns the stored image (at once when inputs are unchanged). */
export async function bake(o: BakeOptions): Promise<BakeResult> {
  const pre = await inStep("preflight", () => readInputs(o));
  const lockSha256 = lockDigest(pre.lock);
  const inputs = inputsHash({ recipeSha256: pre.recipeSha256, lockSha256 });
  // A bake or fetch killed earlier left its scratch dir (and a bake its rootfs): remove them, cached or not.
  await sweepCacheTemps(o.cache);
  await sweepMemoryRoots();
  // Unchanged inputs: the stored image is the answer; no artifact needs reading.
  const known = o.force ? undefined : await findByInputs(o.store, inputs);
  if (known) {
    await ensureProvenance(o.store, await readManifest(o.store, known.id), pre.lock);
    return { ...result(known, inputs, true), stages: [], resumedFrom: null };
  }
  // Everything missing is named before the bootstrap starts.
  await inStep("preflight", () => checkCache({ ...pre, cache: o.cache }));

  // Every file the bake and its tools create gets its mode from this, not from the caller's umask.
  const callerUmask = process.umask(0o022);
  const work = await cacheTemp(o.cache, "bake");
  const parent = await rootParent(work);
  const ctx: BakeContext = {
    recipe: o.recipe,
    lock: pre.lock,
    cache: o.cache,
    store: o.store,
    root: join(parent.dir, "rootfs"),
    work,
    epoch: pre.lock.sourceDateEpoch,
  };
  const stages: { name: string; seconds: number }[] = [];
  const stage = <T>(name: string, fn: () => Promise<T>): Promise<T> =>
    timed(
      () => step(`bake › ${name}`, () => inStep(name, fn)),
      (seconds) => stages.push({ name, seconds }),
    );
  try {
    // The bootstrap, the venv and the pip layer see only the debs' epoch: what they consumed (BAKE_FORMAT 3, 4).
    const debEpoch = await debsEpoch(o.cache, pre.lock.debs);
    const maxBytes = o.noCache ? 0 : (o.layerCacheMaxBytes ?? DEFAULT_LAYER_CACHE_MAX);
    const layers = o.noCache ? undefined : await layerSession({ ...o, lock: pre.lock, bakeFormat: BAKE_FORMAT, debEpoch, maxBytes });
    let debs: readonly DebId[] | undefined;
    const steps: readonly (readonly [LayerStage, () => Promise<unknown>])[] = [
      ["bootstrap", async () => (debs = await bootstrap({ ...ctx, epoch: debEpoch }))],
      ["pip checkouts", () => placeCheckouts(ctx, "pip")],
      ["venv", () => makeVenv({ ...ctx, epoch: debEpoch })],
      ["pip layer", () => installPython({ ...ctx, epoch: debEpoch })],
      ["checkouts", () => placeCheckouts(ctx, "rest")],
      ["files", () => copyFiles(ctx)],
      ["services", () => configureServices(ctx)],
      ["run steps", () => runSteps(ctx)],
      ["image info", () => writeImageInfo(ctx)],
    ];
    const skip = layers ? await stage("layer restore", () => layers.resume(ctx.root)) : 0;
    for (const [name, fn] of steps.slice(skip)) {
      await stage(name, fn);
      if (layers?.keeps(name)) await stage(`layer save (${name})`, () => layers.after(name, ctx.root));
      else await layers?.after(name, ctx.root);
    }
    // Resumed after the bootstrap: the installed set is read back (the snapshot was checked against the lock when made).
    const installed = debs ?? (await installedDebs(ctx.root));
    const python = await venvDistributions(ctx.root, o.recipe.python?.venv);
    await stage("normalize", () => normalize(ctx));
    const added = await stage("pack", () =>
      addImage(o.store, {
        source: diskSource(ctx.root),
        // zstd -3 with a thread per core: most of -19's size gain is not worth 20× the time on every bake.
        compression: { kind: "zstd", level: 3, threads: 0 },
        meta: {
          name: o.recipe.image.name,
          version: o.recipe.image.version,
          arch: o.recipe.image.arch,
          ostype: o.recipe.image.ostype,
          origin: "bake",
          inputs,
          recipe: { name: o.recipe.image.name, sha256: pre.recipeSha256 },
          lockSha256,
          debs: installed.map((d) => ({ name: d.name, version: d.version, arch: d.arch })),
          python,
          checkouts: o.recipe.checkouts.map((c) => {
            const l = pre.lock.checkouts.find((x) => x.name === c.name);
            return { name: c.name, kind: c.kind, url: l?.url ?? c.url, revision: l?.revision ?? "", dest: c.dest };
          }),
          verify: o.recipe.verify,
          sourceDateEpoch: ctx.epoch,
        },
      }),
    );
    // The SLSA statement beside the entry (<store>/attestations/<hex>/), from the manifest and this lock.
    await ensureProvenance(o.store, added.manifest, pre.lock);
    return { ...result(added.image, inputs, false), stages, resumedFrom: layers?.resumedFrom() ?? null };
  } finally {
    process.umask(callerUmask);
    await rm(work, { recursive: true, force: true });
    if (parent.inMemory) await removeMemoryRoot(parent.dir);
  }
}

/** The JSON bake prints: {image, template, manifest, inputs, cached}. */
function result(img: StoredImage, inputs: string, cached: boolean): Omit<BakeResult, "stages" | "resumedFrom"> {
  return { image: img.id, template: img.template, manifest: img.manifest, inputs, cached };
}
