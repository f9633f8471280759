// Argv for dpkg-deb(1). Pure.

/** Prints a .deb's whole control file (all fields, in order, as deb822). */
export function dpkgDebControlArgv(debPath: string): string[] {
  // "--" keeps a path starting with '-' from being read as an option.
  return ["dpkg-deb", "--field", "--", debPath];
}

/**
 * Prints the control files of many .debs, each followed by a NUL byte, from ONE shell that runs
 * dpkg-deb per file: a spawn from Node costs several milliseconds of CPU, dpkg-deb itself less.
 * Constant: the paths arrive as arguments ("$@"), never pasted into the script; it stops at the first failure.
 */
export const DPKG_DEB_FIELDS_SCRIPT = 'for f; do dpkg-deb --field -- "$f" || exit; printf "\\0"; done';

/** argv for DPKG_DEB_FIELDS_SCRIPT over `debPaths`. */
export function dpkgDebControlsArgv(debPaths: readonly string[]): string[] {
  return ["sh", "-c", DPKG_DEB_FIELDS_SCRIPT, "kiln-deb-fields", ...debPaths];
}
