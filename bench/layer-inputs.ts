// Moving a kiln project's inputs by one step the way `kiln lock` would record it, without re-resolving
// apt (a minute each): one pin (pinned-next.txt: kat-sensors 0.4.1), one checkout revision, one [[file]].
// Shared by bench/layer-cache.ts and test/integration/layer-cache.test.ts.
import { appendFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { lockPathFor, readLock, writeLock } from "../src/lock/lock.js";
import type { Lock } from "../src/lock/types.js";
import { loadRecipe, recipeDigest } from "../src/recipe/load.js";
import { loadRequirements } from "../src/requirements/index.js";
import { exportGit, resolveGit } from "../src/sources/git.js";
import { sha256File } from "../src/util/hash.js";

/** A project made like test/support/project.ts: recipes/cam-node.toml, fixtures linked, cache in `cache/`. */
export interface LayerProject {
  readonly dir: string;
  /** The recipe whose lock is moved, relative to `dir` (default recipes/cam-node.toml). */
  readonly recipe?: string;
  /** The requirements file the lock is for (pinned.txt until usePinnedNext). */
  requirements: string;
}

/** The project's recipe file. */
function recipeOf(p: LayerProject): string {
  return join(p.dir, p.recipe ?? "recipes/cam-node.toml");
}

/** Rewrites the lock with `edit`, then its recipe and requirements digests as kiln lock would. */
export async function relockBy(p: LayerProject, edit: (l: Lock) => Promise<Lock> | Lock): Promise<void> {
  const recipe = await loadRecipe(recipeOf(p));
  const file = lockPathFor(recipe.path);
  const req = await loadRequirements(p.requirements);
  const edited = await edit(await readLock(file));
  await writeLock(file, { ...edited, recipeSha256: recipeDigest(recipe), requirementsSha256: req.sha256 });
}

/** Switches the project to pinned-next.txt (kiln.toml) and locks kat-sensors 0.4.1 from the fixture wheelhouse (run kiln fetch after). */
export async function usePinnedNext(p: LayerProject): Promise<void> {
  const house = join(p.dir, "fixtures/build/wheelhouse");
  const wheel = (await readdir(house)).find((f) => f.startsWith("kat_sensors-0.4.1-"));
  if (!wheel) throw new Error(`no kat_sensors-0.4.1 wheel in ${house}: run fixtures/scripts/build-all.sh`);
  const sha256 = await sha256File(join(house, wheel));
  await appendFile(join(p.dir, "kiln.toml"), 'requirements = "fixtures/python/pinned-next.txt"\n');
  p.requirements = join(p.dir, "fixtures/python/pinned-next.txt");
  await relockBy(p, (l) => ({ ...l, wheels: l.wheels.map((w) => (w.name === "kat-sensors" ? { ...w, version: "0.4.1", file: wheel, sha256 } : w)) }));
}

/** Locks checkout `name` (git) at `rev` from the cache's mirror, exporting it into the cache, and raises the epoch as kiln lock would. */
export async function moveCheckout(p: LayerProject, name: string, rev: string): Promise<void> {
  const cache = join(p.dir, "cache");
  // The recipe's URL (resolved against the recipe) names the mirror; the lock keeps its portable form.
  const url = (await loadRecipe(recipeOf(p))).checkouts.find((c) => c.name === name)?.url;
  if (!url) throw new Error(`no checkout ${name} in the recipe`);
  const g = await resolveGit({ url, rev, cache });
  const x = await exportGit({ cache, url, revision: g.revision });
  await relockBy(p, (l) => ({
    ...l,
    checkouts: l.checkouts.map((c) => (c.name === name ? { ...c, revision: g.revision, sha256: x.sha256 } : c)),
    sourceDateEpoch: Math.max(l.sourceDateEpoch, g.commitTime),
  }));
}

/** Appends a comment line to the recipe's devsim.service [[file]] source. */
export async function changeFile(p: LayerProject): Promise<void> {
  await appendFile(join(p.dir, "recipes/files/devsim.service"), "# changed\n");
  await relockBy(p, (l) => l);
}
