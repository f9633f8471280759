// Argv for dpkg-deb(1). Pure.

/** Prints a .deb's whole control file (all fields, in order, as deb822). */
export function dpkgDebControlArgv(debPath: string): string[] {
  // "--" keeps a path starting with '-' from being read as an option.
  return ["dpkg-deb", "--field", "--", debPath];
}
