// checkouts: places each locked git/SVN tree at its dest in the image (exact revision, sha256-verified,
// never following symlinks out of the tree). They are placed in two stages, so a new revision of a tree
// pip never reads does not redo the venv (the layer cache resumes after the venv's snapshot):
//   "pip checkouts", before the pip layer: the `install = "pip"` ones (which it builds), and any whose
//     dest holds the venv or lies inside it (the venv must be made over or around them, as in recipe order);
//   "checkouts", after it: all the others.
// Checkouts never overlap (recipe rule), so the order they are placed in does not change the tree.
import { UserError } from "../../errors.js";
import type { Recipe } from "../../recipe/types.js";
import { checkoutFromCache } from "../../sources/checkouts.js";
import { isInside } from "../../util/confine.js";
import type { BakeContext } from "../context.js";
import { ensureParents } from "../paths.js";

/** Which of the two stages a checkout is placed in. */
export type CheckoutPhase = "pip" | "rest";

/** The recipe's checkouts of one phase, in recipe order. */
export function checkoutsOf(recipe: Pick<Recipe, "checkouts" | "python">, phase: CheckoutPhase): Recipe["checkouts"] {
  const venv = recipe.python?.venv;
  const beforePip = (c: Recipe["checkouts"][number]): boolean =>
    c.install === "pip" || (venv !== undefined && (isInside(c.dest, venv) || isInside(venv, c.dest)));
  return recipe.checkouts.filter((c) => beforePip(c) === (phase === "pip"));
}

/** Extracts the checkouts of one phase; returns at once when there are none. */
export async function placeCheckouts(ctx: Pick<BakeContext, "recipe" | "lock" | "cache" | "root">, phase: CheckoutPhase): Promise<void> {
  for (const c of checkoutsOf(ctx.recipe, phase)) {
    const locked = ctx.lock.checkouts.find((l) => l.name === c.name);
    // assertFresh already ties the lock to this recipe; this guards against a hand-edited lock.
    if (!locked) throw new UserError(`checkout '${c.name}' is not in the lock: run kiln lock`);
    const dest = ensureParents(ctx.root, c.dest, `checkout[${c.name}].dest`);
    await checkoutFromCache({ cache: ctx.cache, lockedCheckout: locked, dest });
  }
}
