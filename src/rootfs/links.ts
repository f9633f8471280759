// Symlink resolution inside a tree rooted at "/", shared by archive checks and rootfs directories.

/** Symlink hops allowed before giving up (Linux's own limit is 40). */
const MAX_HOPS = 40;

/**
 * Resolves `path` inside a tree rooted at "/", following symlinks in every component: `readLink(p)`
 * gives the target of the symlink at relative path p (undefined if p is not a symlink). Absolute targets
 * restart at the root; ".." never climbs above it. Returns the final relative path, or undefined on a loop.
 */
export function resolveLinks(path: string, readLink: (p: string) => string | undefined): string | undefined {
  let pending = path.split("/");
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const [part, ...rest] = pending;
    pending = rest;
    if (part === undefined || part === "" || part === ".") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    done.push(part);
    const target = readLink(done.join("/"));
    if (target === undefined) continue;
    if (++hops > MAX_HOPS) return undefined;
    done.pop();
    if (target.startsWith("/")) done.length = 0;
    pending = [...target.split("/"), ...pending];
  }
  return done.join("/");
}
