// files: copies each [[file]] from beside the recipe into the image with its mode and owner.
import { chmodSync, chownSync, closeSync, constants, copyFileSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UserError } from "../../errors.js";
import { declaringDir, problemIn } from "../../recipe/load.js";
import { openConfined } from "../../util/confine.js";
import type { BakeContext } from "../context.js";
import { ensureParents } from "../paths.js";

/** Places every recipe file; returns early when the recipe has none. */
export async function copyFiles(ctx: Pick<BakeContext, "recipe" | "root">): Promise<void> {
  ctx.recipe.files.forEach((f, n) => {
    const src = resolve(dirname(ctx.recipe.path), f.src);
    // Checked again here, not only at load: the tree may have changed since (a symlink swapped in).
    let fd: number;
    try {
      fd = openConfined(declaringDir(ctx.recipe, "file", n), src, f.src);
    } catch (e) {
      throw new UserError(problemIn(ctx.recipe, `file[${n}].src`, (e as Error).message));
    }
    try {
      const dest = ensureParents(ctx.root, f.dest, "file dest");
      // Replace whatever is there (even a symlink) rather than writing through it.
      rmSync(dest, { force: true });
      // Copied from the descriptor that was checked, never from the path again.
      copyFileSync(`/proc/self/fd/${fd}`, dest, constants.COPYFILE_EXCL);
      const [uid, gid] = f.owner.split(":").map(Number);
      chownSync(dest, uid ?? 0, gid ?? 0);
      chmodSync(dest, f.mode);
    } finally {
      closeSync(fd);
    }
  });
}
