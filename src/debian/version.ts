// Debian package versions ([epoch:]upstream[-revision]): parsing, validation and ordering exactly
// as dpkg does it (lib/dpkg/parsehelp.c parseversion, lib/dpkg/version.c verrevcmp).
import { UserError } from "../errors.js";

export interface DebVersion {
  readonly epoch: number;
  readonly upstream: string;
  /** "" when the version has no revision. */
  readonly revision: string;
}

/** The outcome of parsing: dpkg refuses "error"s everywhere and "warning"s in control files (but compares them). */
export type DebVersionParse = { readonly ok: true; readonly version: DebVersion; readonly warning?: string } | { readonly ok: false; readonly error: string };

const INT_MAX = 2147483647;

/** Parses as dpkg's parseversion: errors for broken structure, a warning for bad characters. */
export function parseDebVersion(text: string): DebVersionParse {
  const trimmed = text.replace(/^[ \t]+/, "");
  if (trimmed === "") return { ok: false, error: "version string is empty" };
  const end = /[ \t]/.exec(trimmed)?.index ?? trimmed.length;
  if (/[^ \t]/.test(trimmed.slice(end))) return { ok: false, error: "version string has embedded spaces" };
  let rest = trimmed.slice(0, end);
  let epoch = 0;
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    // strtol: optional sign then digits, which must run right up to the colon.
    // Both groups may be empty, so the pattern matches every string.
    const [whole = "", sign = "", digits = ""] = /^([+-]?)([0-9]*)/.exec(rest) ?? [];
    if (digits === "") return { ok: false, error: "epoch in version is empty" };
    if (whole.length !== colon) return { ok: false, error: "epoch in version is not number" };
    const value = Number(digits);
    if (sign === "-" && value !== 0) return { ok: false, error: "epoch in version is negative" };
    if (value > INT_MAX) return { ok: false, error: "epoch in version is too big" };
    if (colon === rest.length - 1) return { ok: false, error: "nothing after colon in version number" };
    epoch = value;
    rest = rest.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf("-");
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : "";
  if (hyphen >= 0 && revision === "") return { ok: false, error: "revision number is empty" };
  if (upstream === "") return { ok: false, error: "version number is empty" };
  const version = { epoch, upstream, revision };
  if (!/^[0-9]/.test(upstream)) return { ok: true, version, warning: "version number does not start with digit" };
  if (/[^0-9A-Za-z.+~:-]/.test(upstream)) return { ok: true, version, warning: "invalid character in version number" };
  if (/[^0-9A-Za-z.+~]/.test(revision)) return { ok: true, version, warning: "invalid character in revision number" };
  return { ok: true, version };
}

/** Why dpkg would refuse this version in a package's control data, or undefined when it is valid. */
export function debVersionProblem(text: string): string | undefined {
  const r = parseDebVersion(text);
  return r.ok ? r.warning : r.error;
}

/** True when dpkg accepts the version in a control file (no error, no warning). */
export function isValidDebVersion(text: string): boolean {
  return debVersionProblem(text) === undefined;
}

/** dpkg's character order: "~" first, then end of string and digits, then letters, then everything else. */
function order(c: number): number {
  if (c >= 0x30 && c <= 0x39) return 0;
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return c;
  if (c === 0x7e) return -1;
  // dpkg reads bytes as signed chars, so bytes above 0x7f land between letters and ASCII punctuation.
  if (c) return (c > 0x7f ? c - 256 : c) + 256;
  return 0;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** dpkg's verrevcmp over the UTF-8 bytes of two version parts (0 past the end, like C's NUL). */
function verrevcmp(as: string, bs: string): number {
  const a = Buffer.from(as, "utf8");
  const b = Buffer.from(bs, "utf8");
  let i = 0;
  let j = 0;
  const at = (buf: Buffer, k: number) => buf[k] ?? 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(at(a, i))) || (j < b.length && !isDigit(at(b, j)))) {
      const ac = order(at(a, i));
      const bc = order(at(b, j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (at(a, i) === 0x30) i++;
    while (at(b, j) === 0x30) j++;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (!firstDiff) firstDiff = at(a, i) - at(b, j);
      i++;
      j++;
    }
    if (isDigit(at(a, i))) return 1;
    if (isDigit(at(b, j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** Compares parsed versions: epoch, then upstream, then revision. Returns -1, 0 or 1. */
export function compareDebVersionParts(a: DebVersion, b: DebVersion): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return Math.sign(verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision));
}

/** Parses for comparison as `dpkg --compare-versions` does: warnings pass, errors throw. */
function forCompare(text: string): DebVersion {
  const r = parseDebVersion(text);
  if (!r.ok) throw new UserError(`version '${text}' has bad syntax: ${r.error}`);
  return r.version;
}

/**
 * Compares two version strings exactly as `dpkg --compare-versions`; -1, 0 or 1. "" (and "<unknown>")
 * is the blank version, older than any other, as dpkg's lt/le/eq/ge/gt treat it. Throws UserError on bad syntax.
 */
export function compareDebVersions(a: string, b: string): number {
  const blank = (s: string) => s === "" || s === "<unknown>";
  if (blank(a) || blank(b)) {
    if (!blank(a)) forCompare(a);
    if (!blank(b)) forCompare(b);
    return blank(a) === blank(b) ? 0 : blank(a) ? -1 : 1;
  }
  return compareDebVersionParts(forCompare(a), forCompare(b));
}
