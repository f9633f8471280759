// run: the recipe's [[run]] argv steps, chrooted into the image, in the sandbox (no network).
import { runInChroot } from "../../exec/sandbox.js";
import { inStep } from "../../errors.js";
import { bakeEnv, type BakeContext } from "../context.js";
import { showArgv } from "../../exec/run.js";

/** Runs each step in order; a failing step fails the bake with its argv and stderr. */
export async function runSteps(ctx: Pick<BakeContext, "recipe" | "root" | "epoch">): Promise<void> {
  for (const [i, s] of ctx.recipe.run.entries()) {
    await inStep(`run[${i}] ${showArgv(s.argv)}`, () => runInChroot(ctx.root, s.argv, { env: { ...bakeEnv(ctx), HOME: "/root" } }));
  }
}
