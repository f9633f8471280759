// kiln lock: resolution. Resolves every artifact the recipe names (wheels, checkouts, debs) against
// today's sources, fills the cache, and returns the lock it makes; the caller decides whether to write
// it. Cheap local checks first (pins, wheels), apt last. kiln fetch (fetch-locked.ts) never comes here.
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { UserError } from "../errors.js";
import { step } from "../log.js";
import { lockPathFor, readLock } from "../lock/lock.js";
import type { Lock, LockedCheckout, LockedWheel } from "../lock/types.js";
import { displayPath } from "../util/display-path.js";
import { portableUrl, problemIn, recipeDigest, requirementsFileOf } from "../recipe/load.js";
import type { Recipe } from "../recipe/types.js";
import { venvPinProblems } from "../recipe/empty-venv.js";
import { loadRequirements } from "../requirements/index.js";
import { resolveAndFetchDebs } from "./apt/resolve.js";
import { sweepCacheTemps } from "./cache.js";
import { exportGit, resolveGit } from "./git.js";
import { exportSvn, resolveSvn } from "./svn.js";
import { fetchWheels, type WheelSource } from "./wheels.js";

export interface FetchOptions {
  readonly recipe: Recipe;
  readonly requirements?: string;
  readonly cache: string;
  readonly findLinks?: string;
  readonly indexUrl?: string;
}

export interface Resolved {
  /** The recipe's lock file. */
  readonly lockFile: string;
  /** The lock as it is on disk now (undefined when missing or unreadable). */
  readonly previous?: Lock;
  /** The lock today's sources give. */
  readonly lock: Lock;
  /** Debs downloaded (not already cached). */
  readonly downloaded: number;
}

/** Resolves and downloads into the cache; returns the lock (not written) and the one it would replace. */
export async function resolveLock(o: FetchOptions): Promise<Resolved> {
  const { recipe } = o;
  const reqFile = requirementsFileOf(recipe, o.requirements);
  if (reqFile && !existsSync(reqFile)) throw new UserError(problemIn(recipe, "python.requirements", `${displayPath(reqFile)} does not exist`));
  const requirements = reqFile ? await loadRequirements(reqFile) : undefined;
  const pinProblems = venvPinProblems(recipe, requirements);
  if (pinProblems.length) throw new UserError(pinProblems);
  const lockFile = lockPathFor(recipe.path);
  const previous = existsSync(lockFile) ? await readLock(lockFile).catch(() => undefined) : undefined;
  // A fetch killed earlier left its scratch dir: remove it before making a new one.
  await sweepCacheTemps(o.cache);

  let wheels: LockedWheel[] = [];
  if (requirements?.pins.length) {
    const from = wheelSource(o);
    wheels = await step("lock › wheels", () => fetchWheels({ requirements, from, cache: o.cache }));
  }
  const checkouts = await step("lock › checkouts", () => fetchCheckouts(recipe, o.cache));
  const apt = await step("lock › debs", () => resolveAndFetchDebs({ recipe, cache: o.cache, previous: previous?.debs }));

  const lock: Lock = {
    lockVersion: 1,
    base: { suite: recipe.base.suite, variant: recipe.base.variant, arch: recipe.image.arch },
    // The newest of the debs' build dates and the checkouts' commit times: a property of the sources,
    // so re-fetching unchanged sources gives the same epoch (and so the same image).
    sourceDateEpoch: Math.max(apt.sourceDate, ...checkouts.map((c) => c.time)),
    recipeSha256: recipeDigest(recipe),
    requirementsSha256: requirements?.sha256 ?? null,
    debs: apt.debs,
    wheels,
    checkouts: checkouts.map((c) => c.locked),
  };
  return { lockFile, previous, lock, downloaded: apt.downloaded };
}

/** Where wheels come from: --find-links / --index-url (flags, KILN_*, kiln.toml). */
export function wheelSource(o: FetchOptions): WheelSource {
  if (o.findLinks && o.indexUrl) throw new UserError("give either --find-links or --index-url, not both");
  if (o.findLinks) {
    if (!existsSync(o.findLinks)) throw new UserError(`--find-links ${displayPath(o.findLinks)}: no such directory`);
    return { wheelhouse: o.findLinks };
  }
  if (o.indexUrl) return { index: o.indexUrl };
  throw new UserError("the recipe pins Python packages but kiln has no wheel source", {
    hint: "pass --find-links DIR (a directory of wheels) or --index-url URL (a PEP 503 index), or set find_links / index_url in kiln.toml",
  });
}

/** Resolves each checkout's rev to an exact revision and stores its deterministic export. */
async function fetchCheckouts(recipe: Recipe, cache: string): Promise<{ readonly locked: LockedCheckout; readonly time: number }[]> {
  const out: { locked: LockedCheckout; time: number }[] = [];
  for (const c of recipe.checkouts) {
    const r = c.kind === "git" ? await resolveGit({ url: c.url, rev: c.rev, cache }) : await resolveSvn({ url: c.url, rev: c.rev });
    const exp = c.kind === "git" ? await exportGit({ cache, url: c.url, revision: r.revision }) : await exportSvn({ cache, url: c.url, revision: r.revision });
    // file: URLs are recorded relative to the recipe, so the lock is the same wherever the project lives.
    out.push({
      locked: { name: c.name, kind: c.kind, url: portableUrl(c.url, dirname(recipe.path)), revision: r.revision, sha256: exp.sha256 },
      time: r.commitTime,
    });
  }
  return out;
}
