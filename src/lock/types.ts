// The Lock: exactly which artifacts a recipe resolves to. Written by `kiln lock`, read by `kiln fetch` and `kiln bake`.
// Serialized as canonical JSON (sorted keys, two-space indent, trailing newline): see src/lock/lock.ts.

export interface LockedDeb {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
  /** sha256 of the .deb file, lowercase hex. */
  readonly sha256: string;
}

export interface LockedWheel {
  /** PEP 503-normalised name. */
  readonly name: string;
  readonly version: string;
  /** Wheel file name, e.g. "katcp-0.9.3-py3-none-any.whl". */
  readonly file: string;
  readonly sha256: string;
}

export interface LockedCheckout {
  readonly name: string;
  readonly kind: "git" | "svn";
  readonly url: string;
  /** Resolved revision: a full git commit id or an SVN revision number (as a string). */
  readonly revision: string;
  /** sha256 of the deterministic export tarball of that revision. */
  readonly sha256: string;
}

export interface Lock {
  /** Format version of this file. */
  readonly lockVersion: 1;
  readonly base: { readonly suite: string; readonly variant: string; readonly arch: string };
  /**
   * SOURCE_DATE_EPOCH for the bake, derived from the sources (newest of the archive Release date,
   * checkout commit dates), never from the clock at bake time.
   */
  readonly sourceDateEpoch: number;
  /** sha256 (hex) of the resolved recipe (itself plus everything it extends). */
  readonly recipeSha256: string;
  /** sha256 (hex) of the pinned requirements file, or null when the recipe has no Python. */
  readonly requirementsSha256: string | null;
  readonly debs: readonly LockedDeb[];
  readonly wheels: readonly LockedWheel[];
  readonly checkouts: readonly LockedCheckout[];
}
