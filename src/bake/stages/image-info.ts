// image-info: writes the recipe's [verify] section into the image (/usr/lib/kiln/verify.json). The image
// id is the hash of the tree, so the checks an image is verified and health-gated with are part of its
// identity: changing them makes a new image instead of a stored one with different checks in its manifest.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { canonicalJson } from "../../util/canonical-json.js";
import type { BakeContext } from "../context.js";
import { inRoot } from "../paths.js";

export const VERIFY_IN_IMAGE = "/usr/lib/kiln/verify.json";

/** Writes verify.json (canonical JSON, mode 0644). */
export async function writeImageInfo(ctx: Pick<BakeContext, "recipe" | "root">): Promise<void> {
  const path = inRoot(ctx.root, VERIFY_IN_IMAGE, "kiln image info");
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await writeFile(path, canonicalJson(ctx.recipe.verify), { mode: 0o644 });
}
