// Distribution and extra names: PEP 503 normalisation and PEP 508 validity.

/** PEP 503: lowercase, runs of "-", "_" and "." become one "-" ("Foo_Bar.baz" → "foo-bar-baz"). */
export function canonicalizeName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** PEP 508 name: ASCII letters and digits, with ".", "_", "-" inside (not at either end). */
export function isValidName(name: string): boolean {
  return /^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$/i.test(name);
}
