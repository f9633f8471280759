// kiln fetch: downloads exactly what a fresh lock names and the cache lacks (npm ci / cargo --locked).
// It never resolves and never writes the lock: a missing or stale lock is refused with "run kiln lock",
// and with every artifact cached it touches neither the network nor any file.
import { existsSync } from "node:fs";
import { readInputs } from "../bake/preflight.js";
import { UserError } from "../errors.js";
import { step } from "../log.js";
import { lockPathFor } from "../lock/lock.js";
import type { LockedCheckout } from "../lock/types.js";
import { displayPath } from "../util/display-path.js";
import type { Recipe } from "../recipe/types.js";
import { downloadLockedDebs } from "./apt/download.js";
import { wheelSource, type FetchOptions } from "./fetch.js";
import { exportGit, resolveGit } from "./git.js";
import { isEmptyPlan, planFetch, type FetchPlan } from "./plan.js";
import { exportSvn } from "./svn.js";
import { fetchWheels } from "./wheels.js";

export interface FetchLockedResult {
  readonly lock: string;
  /** What the lock names. */
  readonly debs: number;
  readonly wheels: number;
  readonly checkouts: number;
  /** What was missing from the cache and has been downloaded now (all zero: no network was used). */
  readonly downloaded: { readonly debs: number; readonly wheels: number; readonly checkouts: number };
}

/** Reads the recipe's lock, refusing a missing or stale one with the command that writes it. */
async function freshLock(o: FetchOptions) {
  const lockFile = lockPathFor(o.recipe.path);
  if (!existsSync(lockFile)) {
    throw new UserError(`no lock for ${displayPath(o.recipe.path)} (expected ${displayPath(lockFile)})`, {
      hint: `kiln fetch downloads what a lock names and never resolves: run kiln lock --recipe ${displayPath(o.recipe.path)} first`,
    });
  }
  return { ...(await readInputs({ recipe: o.recipe, requirements: o.requirements })), lockFile };
}

/** Downloads what the fresh lock names and the cache lacks; returns the counts. */
export async function fetchLocked(o: FetchOptions): Promise<FetchLockedResult> {
  const { lock, lockFile, requirements } = await freshLock(o);
  const plan = await planFetch({ lock, cache: o.cache });
  if (!isEmptyPlan(plan)) {
    if (plan.wheels.length && requirements) await step("fetch › wheels", () => fetchWheels({ requirements, from: wheelSource(o), cache: o.cache }));
    if (plan.checkouts.length) await step("fetch › checkouts", () => fetchCheckouts(o.recipe, plan.checkouts, o.cache));
    if (plan.debs.length) await step("fetch › debs", () => downloadLockedDebs({ recipe: o.recipe, debs: plan.debs, cache: o.cache, arch: lock.base.arch }));
    const left = await planFetch({ lock, cache: o.cache });
    if (!isEmptyPlan(left))
      throw new UserError(
        describeLeft(left).map((message) => ({ message })),
        { hint: "the sources no longer give what the lock names: run kiln lock --update" },
      );
  }
  const downloaded = { debs: plan.debs.length, wheels: plan.wheels.length, checkouts: plan.checkouts.length };
  return { lock: lockFile, debs: lock.debs.length, wheels: lock.wheels.length, checkouts: lock.checkouts.length, downloaded };
}

/** One problem per artifact still missing after the downloads. */
function describeLeft(p: FetchPlan): string[] {
  return [
    ...p.wheels.map((w) => `wheel ${w.file} (${w.name}==${w.version}): still missing from the cache`),
    ...p.checkouts.map((c) => `checkout ${c.name}: still missing from the cache`),
    ...p.debs.map((d) => `deb ${d.name}=${d.version}: still missing from the cache`),
  ];
}

/** Exports each missing checkout at its locked revision and checks the export's sha256 against the lock. */
async function fetchCheckouts(recipe: Recipe, missing: readonly LockedCheckout[], cache: string): Promise<void> {
  for (const c of missing) {
    // The lock is fresh, so the recipe names every locked checkout; its URL is absolute (the lock's may be relative).
    const url = recipe.checkouts.find((r) => r.name === c.name)?.url;
    if (!url) throw new UserError(`checkout ${c.name} is in the lock but not in the recipe: run kiln lock`);
    if (c.kind === "git") await resolveGit({ url, rev: c.revision, cache });
    const exp = c.kind === "git" ? await exportGit({ cache, url, revision: c.revision }) : await exportSvn({ cache, url, revision: c.revision });
    if (exp.sha256 !== c.sha256)
      throw new UserError(
        `checkout ${c.name} (${c.kind} ${c.url} @ ${c.revision}): its export has sha256 ${exp.sha256}, the lock says ${c.sha256}; the repository changed under a fixed revision: run kiln lock --update ${c.name}`,
      );
  }
}
