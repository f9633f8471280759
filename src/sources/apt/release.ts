// Release files: the Date of the archives fetch resolved against, and the Release of kiln's local repo.
import { field, parseDeb822 } from "../../debian/deb822.js";

/** Seconds since the epoch of a (In)Release file's `Date:` field; undefined when absent or unreadable. */
export function parseReleaseDate(text: string): number | undefined {
  const first = parseDeb822(text)[0];
  const date = first && field(first, "Date");
  if (!date) return undefined;
  // RFC 2822 dates ("Sat, 10 Jun 2023 08:52:56 UTC") parse with Date; "UTC" is accepted like "GMT".
  const ms = Date.parse(date.replace(/\bUTC$/, "GMT"));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

export interface FlatReleaseOptions {
  /** Suite and codename: mmdebstrap picks the Essential:yes set from the archive with this name. */
  readonly suite: string;
  /** Architectures the repository carries (the image's, plus "all"). */
  readonly architectures: readonly string[];
  /** The Packages index it lists. */
  readonly packages: { readonly size: number; readonly sha256: string };
}

/**
 * The Release file of a flat local repository. No Date and no signature: the repository lives for one
 * bake, is trusted explicitly (`[trusted=yes]`), and leaving the date out keeps the file reproducible.
 */
export function flatRelease(o: FlatReleaseOptions): string {
  return [
    "Origin: kiln",
    "Label: kiln",
    `Suite: ${o.suite}`,
    `Codename: ${o.suite}`,
    `Architectures: ${o.architectures.join(" ")}`,
    "SHA256:",
    ` ${o.packages.sha256} ${o.packages.size} Packages`,
    "",
  ].join("\n");
}
