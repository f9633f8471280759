// Resolving image paths inside a rootfs without ever escaping it.
// Recipe destinations are absolute image paths ("/opt/kat"); on the build host they live under the
// rootfs directory. A symlinked parent (e.g. /opt -> /elsewhere) could redirect a write outside the
// tree, so every existing parent must be a real directory.
import { lstatSync, mkdirSync, type Stats } from "node:fs";
import { join, posix } from "node:path";
import { UserError } from "../errors.js";

/** Host path of an absolute image path, refusing `..`, relative paths and symlinked parents. */
export function inRoot(root: string, imagePath: string, what = "path"): string {
  if (!imagePath.startsWith("/")) throw new UserError(`${what} '${imagePath}' must be absolute inside the image`);
  const norm = posix.normalize(imagePath);
  if (norm !== imagePath.replace(/\/+$/, "") && norm !== imagePath) throw new UserError(`${what} '${imagePath}' is not normalised (use '${norm}')`);
  if (imagePath.split("/").includes("..")) throw new UserError(`${what} '${imagePath}' contains '..'`);
  const parts = norm.split("/").filter(Boolean);
  let cur = root;
  for (const p of parts.slice(0, -1)) {
    cur = join(cur, p);
    let st: Stats;
    try {
      st = lstatSync(cur);
    } catch {
      return join(root, ...parts); // the rest does not exist yet: nothing to follow
    }
    if (st.isSymbolicLink())
      throw new UserError(`${what} '${imagePath}': parent '${cur.slice(root.length)}' is a symlink in the image; refusing to write through it`);
    if (!st.isDirectory()) throw new UserError(`${what} '${imagePath}': parent '${cur.slice(root.length)}' is not a directory in the image`);
  }
  return join(root, ...parts);
}

/** Creates the missing parent directories of an image path (mode 0755), refusing symlinked parents. */
export function ensureParents(root: string, imagePath: string, what = "path"): string {
  const host = inRoot(root, imagePath, what);
  const parts = posix.normalize(imagePath).split("/").filter(Boolean);
  let cur = root;
  for (const p of parts.slice(0, -1)) {
    cur = join(cur, p);
    try {
      mkdirSync(cur, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const st = lstatSync(cur);
      if (!st.isDirectory())
        throw new UserError(
          `${what} '${imagePath}': parent '${cur.slice(root.length)}' is ${st.isSymbolicLink() ? "a symlink" : "not a directory"} in the image`,
        );
    }
  }
  return host;
}
