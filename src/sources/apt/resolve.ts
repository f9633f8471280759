// apt, fetch side (the only networked part): resolve the Debian package closure of a recipe's base plus
// its [apt] packages, download exactly those debs into the cache, and describe them for the lock.
//
// Resolution is mmdebstrap's own: it bootstraps the same variant and include set the bake will, into a
// throwaway directory (--format=null), against the recipe's mirror, and hooks copy out the debs apt
// used, dpkg's status and the Release files. What gets locked is what dpkg reported installed, so the
// closure is exactly what a bootstrap installs; the bake later installs exactly that from a local repo.
import { copyFile, link, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import { ToolError, UserError } from "../../errors.js";
import { mmdebstrapArgv } from "../../exec/argv/mmdebstrap.js";
import { checkTool, describeFailure } from "../../exec/run.js";
import { MMDEBSTRAP_CAPS } from "../../exec/argv/pivot.js";
import { runInMiniRoot } from "../../exec/sandbox.js";
import type { LockedDeb } from "../../lock/types.js";
import { debug, isVerbose } from "../../log.js";
import { problemIn } from "../../recipe/load.js";
import type { Recipe } from "../../recipe/types.js";
import { cacheTemp, isFile } from "../cache.js";
import { debCachePath, storeDeb } from "./deb-cache.js";
import { lockRootEntries } from "./lock-root.js";
import { aptArchiveName, compareDebIds, debBuildDate, describeDeb, readDebControl, type DebId } from "./deb-file.js";
import { CHECK_REQUESTS_HOOK, COLLECT_HOOK, SEED_DEBS_HOOK, UNSAFE_IO_ON_HOOK } from "./hooks.js";
import { diffInstalled } from "./installed.js";
import { fetchMirrors } from "./mirror.js";
import { aptRequests, aptSpec, parseMadison, unavailableRequests } from "./requests.js";
import { parseReleaseDate } from "./release.js";
import { installedPackages } from "../../debian/dpkg-status.js";

export interface FetchDebsOptions {
  readonly recipe: Recipe;
  /** The artifact cache; debs land in `<cache>/debs/<sha256>.deb`. */
  readonly cache: string;
  /**
   * Debs of the current lock, if any: their cached files are offered to apt under its own file names,
   * so re-fetching an unchanged closure downloads only the indexes, never a deb.
   */
  readonly previous?: readonly LockedDeb[];
  /** The host's apt configuration directory (for base.mirror = "host"); tests point it elsewhere. */
  readonly etcApt?: string;
}

export interface FetchedDebs {
  /** Every installed deb, sorted by name, arch, version: the lock's `debs`. */
  readonly debs: readonly LockedDeb[];
  /**
   * Newest build date among the locked debs (seconds; from each .deb's ar header). Use this for
   * SOURCE_DATE_EPOCH: it depends only on the debs, so an unchanged closure keeps the same value.
   */
  readonly sourceDate: number;
  /** Newest `Date:` of the archives' Release files (seconds). Changes whenever a mirror republishes. */
  readonly releaseDate: number;
  /** How many debs were new to the cache (0 on an unchanged re-fetch). */
  readonly added: number;
  /** How many debs apt downloaded rather than reused from the cache (0 on an unchanged re-fetch). */
  readonly downloaded: number;
}

/** Resolves and downloads the recipe's deb closure into the cache. */
export async function resolveAndFetchDebs(o: FetchDebsOptions): Promise<FetchedDebs> {
  checkTool("mmdebstrap", "resolve and download the Debian packages of the image", "apt-get install mmdebstrap");
  checkTool("dpkg-deb", "read the control fields of the downloaded debs", "apt-get install dpkg");
  const mirrors = fetchMirrors(o.recipe, o.etcApt);
  const requests = aptRequests(o.recipe);
  const work = await cacheTemp(o.cache, "apt-fetch");
  try {
    const dirs = { out: join(work, "out"), seed: join(work, "seed"), tmp: join(work, "tmp") };
    await Promise.all(Object.values(dirs).map((d) => mkdir(d, { recursive: true })));
    await seed({ cache: o.cache, debs: o.previous ?? [], dir: dirs.seed });
    await writeFile(join(dirs.out, "names"), requests.map((r) => `${r.name}\n`).join(""));
    await writeFile(join(dirs.out, "wants"), requests.map((r) => `${r.version ? `${r.name}|${r.version}` : r.name}\n`).join(""));
    const argv = mmdebstrapArgv({
      suite: o.recipe.base.suite,
      target: "/dev/null",
      format: "null",
      mirrors,
      variant: o.recipe.base.variant,
      arch: o.recipe.image.arch,
      include: requests.map(aptSpec),
      components: o.recipe.base.components,
      // Keep the essential debs after installing them (mmdebstrap deletes them by default): they are what we lock.
      skip: ["essential/unlink"],
      // The chroot is thrown away, so dpkg need not fsync (UNSAFE_IO_ON_HOOK) and is never switched back.
      hooks: { setup: [SEED_DEBS_HOOK, UNSAFE_IO_ON_HOOK], extract: [CHECK_REQUESTS_HOOK], customize: [COLLECT_HOOK] },
      verbose: isVerbose(),
    });
    // The host network is needed here (and only here); the sandbox still gives private mount and PID namespaces.
    // TMPDIR puts mmdebstrap's chroot in the cache's file system, so the hooks hard-link instead of copying.
    // Pivoted into a mini-root of only what resolving needs (lock-root.ts), as the bake's bootstrap is.
    const mountPoint = join(work, "miniroot");
    await mkdir(mountPoint);
    const r = await runInMiniRoot(argv, {
      network: true,
      allowFailure: true,
      env: { KILN_OUT: dirs.out, KILN_SEED: dirs.seed, TMPDIR: dirs.tmp },
      mountPoint,
      // One bind of the whole work directory: the hooks hard-link between seed, TMPDIR and out (EXDEV across binds).
      entries: lockRootEntries(mirrors, [work]),
      keepCaps: MMDEBSTRAP_CAPS,
    });
    if (r.exitCode !== 0)
      await explainFailure({ recipe: o.recipe, out: dirs.out, requests, failure: describeFailure(argv, { exitCode: r.exitCode, stderr: r.stderr }) });
    return await collect({ cache: o.cache, out: dirs.out, seeded: await fileIds(dirs.seed) });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Links the previous lock's cached debs into `dir` under apt's file names (missing ones are simply skipped). */
async function seed(o: { readonly cache: string; readonly debs: readonly LockedDeb[]; readonly dir: string }): Promise<void> {
  for (const d of o.debs) {
    const src = debCachePath(o.cache, d.sha256);
    if (!(await isFile(src))) continue;
    const dest = join(o.dir, aptArchiveName(d));
    await link(src, dest).catch(() => copyFile(src, dest));
  }
}

/**
 * Identities (device:inode) of the files in a directory. A seeded deb that apt reused reaches the
 * output as a hard link of the same file; one apt downloaded is a new file.
 */
async function fileIds(dir: string): Promise<Set<string>> {
  const ids = await Promise.all((await readdir(dir)).map(async (n) => fileId(join(dir, n))));
  return new Set(ids);
}

/** device:inode of a file. */
async function fileId(path: string): Promise<string> {
  const s = await stat(path);
  return `${s.dev}:${s.ino}`;
}

/** After a failed mmdebstrap: a UserError for requests the mirror cannot satisfy, else the ToolError. */
async function explainFailure(o: {
  readonly recipe: Recipe;
  readonly out: string;
  readonly requests: ReturnType<typeof aptRequests>;
  readonly failure: string;
}): Promise<never> {
  const madison = await readFile(join(o.out, "madison"), "utf8").catch(() => undefined);
  if (madison !== undefined) {
    const problems = unavailableRequests({ requests: o.requests, available: parseMadison(madison), mirror: o.recipe.base.mirror });
    if (problems.length)
      throw new UserError(
        problems.map((p) => problemIn(o.recipe, p.key, p.message)),
        { hint: "then run kiln lock again" },
      );
  }
  throw new ToolError(`resolving the Debian packages failed: ${o.failure}`);
}

/** Reads what the hooks copied out, stores the installed debs in the cache and describes them. */
async function collect(o: { readonly cache: string; readonly out: string; readonly seeded: ReadonlySet<string> }): Promise<FetchedDebs> {
  const installed = installedPackages(await readFile(join(o.out, "status"), "utf8")).map((p): DebId => ({ name: p.name, version: p.version, arch: p.arch }));
  const files = (await readdir(join(o.out, "debs"))).filter((f) => f.endsWith(".deb")).map((f) => join(o.out, "debs", f));
  const limit = pLimit(4);
  const read = await Promise.all(files.map((path) => limit(async () => ({ path, control: await readDebControl(path), date: await debBuildDate(path) }))));
  const key = (d: DebId) => `${d.name}:${d.arch}=${d.version}`;
  const wanted = new Set(installed.map(key));
  // apt may have downloaded a deb it did not end up installing (e.g. a seeded file): only installed ones count.
  const used = read.filter((d) => wanted.has(key(d.control)));
  const diff = diffInstalled(
    installed,
    used.map((d) => d.control),
  );
  if (diff.length) throw new ToolError(`the debs apt used do not match what dpkg installed:\n${diff.join("\n")}`);
  let added = 0;
  let downloaded = 0;
  const debs: LockedDeb[] = [];
  for (const d of used) {
    if (!o.seeded.has(await fileId(d.path))) downloaded++;
    const s = await storeDeb({ cache: o.cache, src: d.path });
    if (s.added) added++;
    debs.push({ name: d.control.name, version: d.control.version, arch: d.control.arch, sha256: s.sha256 });
  }
  debs.sort(compareDebIds);
  debug(`apt: ${debs.length} debs locked, ${downloaded} downloaded, ${added} new in the cache: ${debs.map(describeDeb).join(", ")}`);
  const releaseDates = await Promise.all(
    (await readdir(join(o.out, "release"))).map(async (f) => parseReleaseDate(await readFile(join(o.out, "release", f), "utf8"))),
  );
  return {
    debs,
    sourceDate: Math.max(0, ...used.map((d) => d.date)),
    releaseDate: Math.max(0, ...releaseDates.filter((d): d is number => d !== undefined)),
    added,
    downloaded,
  };
}
