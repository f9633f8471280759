// checkouts: places each locked git/SVN tree at its dest in the image (exact revision, sha256-verified,
// never following symlinks out of the tree). `install = "pip"` ones are built later by the pip layer.
import { UserError } from "../../errors.js";
import { checkoutFromCache } from "../../sources/checkouts.js";
import type { BakeContext } from "../context.js";
import { ensureParents } from "../paths.js";

/** Extracts every checkout; returns early when the recipe has none. */
export async function placeCheckouts(ctx: Pick<BakeContext, "recipe" | "lock" | "cache" | "root">): Promise<void> {
  for (const c of ctx.recipe.checkouts) {
    const locked = ctx.lock.checkouts.find((l) => l.name === c.name);
    // assertFresh already ties the lock to this recipe; this guards against a hand-edited lock.
    if (!locked) throw new UserError(`checkout '${c.name}' is not in the lock: run kiln fetch`);
    const dest = ensureParents(ctx.root, c.dest, `checkout[${c.name}].dest`);
    await checkoutFromCache({ cache: ctx.cache, lockedCheckout: locked, dest });
  }
}
