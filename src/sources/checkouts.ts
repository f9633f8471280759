// Offline side of git and SVN checkouts (bake): the locked export tarball, verified and extracted.
// Fetch-side counterparts are in git.ts and svn.ts; both store their exports here, content-addressed.
import type { Problem } from "../errors.js";
import { UserError } from "../errors.js";
import type { LockedCheckout } from "../lock/types.js";
import { addFile, cachePath, checkCached } from "./cache.js";
import { extractTarSafely } from "./tarball.js";

/** Cache sub-directory holding every export tarball. */
export const CHECKOUTS_KIND = "checkouts";

/** Where a locked checkout's export tarball lives: `<cache>/checkouts/<sha256>.tar`. */
export function checkoutTarball(cache: string, sha256: string): string {
  return cachePath({ cache, kind: CHECKOUTS_KIND, sha256, ext: "tar" });
}

/** How messages name a checkout: `checkout devsim (git file:///x @ 1a2b…)`. */
function describe(c: LockedCheckout): string {
  return `checkout ${c.name} (${c.kind} ${c.url} @ ${c.revision})`;
}

/** Takes a freshly made export tarball into the cache (moving it) and returns its sha256. */
export async function storeExport(o: { readonly cache: string; readonly tarball: string }): Promise<{ readonly tarball: string; readonly sha256: string }> {
  const r = await addFile({ cache: o.cache, kind: CHECKOUTS_KIND, ext: "tar", src: o.tarball, move: true });
  return { tarball: r.path, sha256: r.sha256 };
}

/** Every locked checkout whose tarball is missing or corrupt (bake's preflight, before bootstrap). */
export async function checkCheckouts(o: { readonly cache: string; readonly checkouts: readonly LockedCheckout[] }): Promise<Problem[]> {
  const found = await Promise.all(o.checkouts.map((c) => checkCached({ path: checkoutTarball(o.cache, c.sha256), sha256: c.sha256, what: describe(c) })));
  return found.filter((p): p is Problem => p !== undefined);
}

/**
 * Offline: re-verifies the locked export's sha256 and extracts it into `dest` (created, must be empty),
 * refusing members that would escape it. The caller resolves `dest` safely inside the rootfs.
 */
export async function checkoutFromCache(o: { readonly cache: string; readonly lockedCheckout: LockedCheckout; readonly dest: string }): Promise<void> {
  const c = o.lockedCheckout;
  const problems = await checkCheckouts({ cache: o.cache, checkouts: [c] });
  if (problems.length) throw new UserError(problems);
  await extractTarSafely({ tarball: checkoutTarball(o.cache, c.sha256), dest: o.dest, what: describe(c) });
}
