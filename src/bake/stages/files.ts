// files: copies each [[file]] from beside the recipe into the image with its mode and owner.
import { chownSync, copyFileSync, chmodSync, lstatSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UserError } from "../../errors.js";
import type { BakeContext } from "../context.js";
import { ensureParents } from "../paths.js";

/** Places every recipe file; returns early when the recipe has none. */
export async function copyFiles(ctx: Pick<BakeContext, "recipe" | "root">): Promise<void> {
  for (const f of ctx.recipe.files) {
    const src = resolve(dirname(ctx.recipe.path), f.src);
    const st = lstatSync(src, { throwIfNoEntry: false });
    // A symlink could point anywhere on the build host; only regular files are copied.
    if (!st?.isFile()) throw new UserError({ file: ctx.recipe.path, key: `file[${f.dest}].src`, message: `'${f.src}' is ${st ? "not a regular file" : "missing"}` });
    const dest = ensureParents(ctx.root, f.dest, "file dest");
    // Replace whatever is there (even a symlink) rather than writing through it.
    rmSync(dest, { force: true });
    copyFileSync(src, dest);
    const [uid, gid] = f.owner.split(":").map(Number);
    chownSync(dest, uid ?? 0, gid ?? 0);
    chmodSync(dest, f.mode);
  }
}
