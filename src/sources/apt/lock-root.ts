// What `kiln lock`'s mmdebstrap sees: like the bake's bootstrap (bake/stages/bootstrap.ts) it runs pivoted
// into a mini-root, so the maintainer scripts of freshly downloaded debs cannot reach host files, sockets
// or disks; unlike it, it has the network and needs what talking to a mirror takes: apt's whole
// configuration (sources, keyrings, auth), the TLS roots, name resolution, and any local mirror or
// keyring a sources entry names by path.
import { existsSync } from "node:fs";
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { MMDEBSTRAP_HOST_PATHS } from "../../exec/argv/mmdebstrap.js";
import { hostEntries, type MiniRootEntry } from "../../exec/sandbox.js";

/** Host paths a networked resolution reads besides the bootstrap's (apt.conf.d and trusted.gpg.d are in /etc/apt). */
const NETWORK_HOST_PATHS: readonly string[] = ["/etc/apt", "/etc/ssl", "/etc/ca-certificates.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf"];

/** Local paths in a mirror or sources text: `file:`/`copy:` URIs and `signed-by` keyrings. */
export function pathsInSources(text: string): string[] {
  const uris = [...text.matchAll(/\b(?:file|copy):(?:\/\/)?(\/[^\s\]"']+)/g)].map((m) => m[1] ?? "");
  const keys = [...text.matchAll(/signed-by\s*[=:]\s*(\/[^\s\]"',]+)/gi)].map((m) => m[1] ?? "");
  return [...uris, ...keys].filter((p) => p !== "").map((p) => resolve(p));
}

/** The mirrors' own local paths: a sources file (and what it names) or a local mirror URL. */
function mirrorPaths(mirrors: readonly string[]): string[] {
  return mirrors.flatMap((m) => {
    if (!m.startsWith("/")) return pathsInSources(m);
    const file = resolve(m);
    const text = statSync(file, { throwIfNoEntry: false })?.isFile() ? readFileSync(file, "utf8") : "";
    return [file, ...pathsInSources(text)];
  });
}

/** True when `p` is `dir` or below it. */
function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(`${dir}/`);
}

/**
 * The mini-root of a networked resolution: read-only host paths (one bind per tree: a path inside another
 * entry is left out, since that entry already holds it) and the writable work directories.
 */
export function lockRootEntries(mirrors: readonly string[], writable: readonly string[]): MiniRootEntry[] {
  const wanted = [...MMDEBSTRAP_HOST_PATHS.filter((p) => !within(p, "/etc/apt")), ...NETWORK_HOST_PATHS, ...mirrorPaths(mirrors)].filter(
    (p) => p !== "/" && existsSync(p),
  );
  const ro = [...new Set(wanted)].filter((p, _, all) => !all.some((q) => q !== p && within(p, q)) && !writable.some((w) => within(p, w)));
  return [...hostEntries(ro), ...writable.map((path): MiniRootEntry => ({ kind: "rw", path: resolve(path) }))];
}
