// Preflight: everything a bake can find wrong BEFORE the bootstrap starts: a missing or stale lock,
// bad pins, artifacts missing from the cache, a broken dependency closure, missing tools.
import { existsSync } from "node:fs";
import { UserError, type Problem } from "../errors.js";
import { checkTool } from "../exec/run.js";
import { assertFresh, lockPathFor, readLock } from "../lock/lock.js";
import type { Lock } from "../lock/types.js";
import { problemIn, recipeDigest, requirementsFileOf } from "../recipe/load.js";
import type { Recipe } from "../recipe/types.js";
import { venvPinProblems } from "../recipe/empty-venv.js";
import { displayPath } from "../util/display-path.js";
import { checkClosure, loadRequirements, readWheelMetadata, targetEnvironment, type Requirements } from "../requirements/index.js";
import { checkDebs } from "../sources/apt/deb-cache.js";
import { checkCheckouts } from "../sources/checkouts.js";
import { checkWheels, wheelPath } from "../sources/wheels.js";

export interface Preflighted {
  readonly lock: Lock;
  readonly lockFile: string;
  readonly recipeSha256: string;
}

/** Checks pins and the lock (cheap: no artifact is read); throws one UserError naming every problem. */
export async function readInputs(o: {
  readonly recipe: Recipe;
  readonly requirements?: string;
}): Promise<Preflighted & { readonly requirements?: Requirements }> {
  const { recipe } = o;
  const reqFile = requirementsFileOf(recipe, o.requirements);
  if (reqFile && !existsSync(reqFile)) throw new UserError(problemIn(recipe, "python.requirements", `${displayPath(reqFile)} does not exist`));
  // Bad pins are reported before anything else: file:line for each.
  const requirements = reqFile ? await loadRequirements(reqFile) : undefined;
  const pinProblems = venvPinProblems(recipe, requirements);
  if (pinProblems.length) throw new UserError(pinProblems);
  const lockFile = lockPathFor(recipe.path);
  if (!existsSync(lockFile))
    throw new UserError(`no lock for ${displayPath(recipe.path)} (expected ${displayPath(lockFile)})`, {
      hint: "run kiln lock first: it resolves every artifact, downloads it into the cache and writes the lock",
    });
  const lock = await readLock(lockFile);
  const recipeSha256 = recipeDigest(recipe);
  assertFresh(lock, { recipeSha256, requirementsSha256: requirements?.sha256 ?? null, lockFile: displayPath(lockFile) });
  return { lock, lockFile, recipeSha256, requirements };
}

/** Checks tools and that every locked artifact is in the cache, intact, and closure-complete. */
export async function checkCache(o: { readonly lock: Lock; readonly requirements?: Requirements; readonly cache: string }): Promise<void> {
  checkTool("mmdebstrap", "bootstrap the image from the locked debs", "apt-get install mmdebstrap");
  checkTool("unshare", "run bake steps without network", "apt-get install util-linux");
  checkTool("zstd", "compress the template", "apt-get install zstd");
  const { lock, requirements } = o;
  const missing: Problem[] = [
    ...(await checkDebs({ cache: o.cache, debs: lock.debs })),
    ...(await checkWheels({ cache: o.cache, wheels: lock.wheels })),
    ...(await checkCheckouts({ cache: o.cache, checkouts: lock.checkouts })),
  ];
  if (missing.length) throw new UserError(missing, { hint: `${missing.length} artifact(s) missing from the cache ${displayPath(o.cache)}: run kiln fetch` });
  if (requirements) {
    // The lock was closure-checked when fetched; checking the cached METADATA again catches a hand-edited lock.
    const metadata = await Promise.all(lock.wheels.map((w) => readWheelMetadata(wheelPath(o.cache, w))));
    checkClosure({ pins: requirements.pins, metadata, env: targetEnvironment() });
  }
}
