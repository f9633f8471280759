// The debs in the fetch cache: `<cache>/debs/<sha256>.deb`, checked offline before a bake and staged
// (hard-linked or copied, re-verified) into the bake's local repository.
import { copyFile, link, mkdir } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import { UserError, type Problem } from "../../errors.js";
import type { LockedDeb } from "../../lock/types.js";
import { sha256File } from "../../util/hash.js";
import { addFile, cachePath, checkCached } from "../cache.js";
import { describeDeb } from "./deb-file.js";
import { errnoCode } from "../../util/thrown.js";

/** Cache sub-directory of every .deb. */
export const DEBS_KIND = "debs";

/** Where a locked deb lives: `<cache>/debs/<sha256>.deb`. */
export function debCachePath(cache: string, sha256: string): string {
  return cachePath({ cache, kind: DEBS_KIND, sha256, ext: "deb" });
}

/** Hashing 100+ debs is I/O bound; a few at a time keeps the disk busy without flooding it. */
const PARALLEL = 4;

/** Every locked deb that is missing or corrupt in the cache (bake's preflight), as Problems. */
export async function checkDebs(o: { readonly cache: string; readonly debs: readonly LockedDeb[] }): Promise<Problem[]> {
  const limit = pLimit(PARALLEL);
  const found = await Promise.all(
    o.debs.map((d) => limit(() => checkCached({ path: debCachePath(o.cache, d.sha256), sha256: d.sha256, what: `deb ${describeDeb(d)}` }))),
  );
  return found.filter((p): p is Problem => p !== undefined);
}

/** Takes a downloaded .deb into the cache (moving it when possible); returns its sha256. */
export async function storeDeb(o: { readonly cache: string; readonly src: string }): Promise<{ readonly sha256: string; readonly added: boolean }> {
  const r = await addFile({ cache: o.cache, kind: DEBS_KIND, ext: "deb", src: o.src, move: true });
  return { sha256: r.sha256, added: r.added };
}

/**
 * Puts every locked deb into `dir` as `<sha256>.deb`, verifying each against its lock sha256 as it lands
 * there (a hard link when the cache is on the same file system, else a copy). All missing or corrupt
 * debs are reported together in one UserError that says to run kiln fetch.
 */
export async function stageDebs(o: { readonly cache: string; readonly debs: readonly LockedDeb[]; readonly dir: string }): Promise<string[]> {
  await mkdir(o.dir, { recursive: true });
  const limit = pLimit(PARALLEL);
  const results = await Promise.all(o.debs.map((d) => limit(() => stageOne(o.cache, d, o.dir))));
  const problems = results.filter((r): r is Problem => typeof r !== "string");
  if (problems.length)
    throw new UserError(problems, { hint: `${problems.length} of ${o.debs.length} locked debs cannot be used; run kiln fetch to download them again` });
  return results.filter((r): r is string => typeof r === "string");
}

/** Stages one deb; returns its path in `dir`, or the Problem that stops it. */
async function stageOne(cache: string, d: LockedDeb, dir: string): Promise<string | Problem> {
  const src = debCachePath(cache, d.sha256);
  const dest = join(dir, `${d.sha256}.deb`);
  try {
    await link(src, dest);
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT")
      return (
        (await checkCached({ path: src, sha256: d.sha256, what: `deb ${describeDeb(d)}` })) ?? { message: `deb ${describeDeb(d)}: cannot be read from ${src}` }
      );
    // EXDEV (another file system) or EPERM (protected hard links): copy instead.
    await copyFile(src, dest);
  }
  // Hash what the repository will serve, not the cache entry: nothing can change between check and use.
  const actual = await sha256File(dest);
  if (actual !== d.sha256)
    return { message: `deb ${describeDeb(d)}: cache entry is corrupt (expected sha256 ${d.sha256}, got ${actual}); delete ${src} and run kiln fetch` };
  return dest;
}
