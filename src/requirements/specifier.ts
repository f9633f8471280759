// PEP 440 version specifiers (`>=1.0,<2`, `~=1.4.2`, `==1.*`, `===x`), matching exactly as
// packaging 23's Specifier / SpecifierSet do, including their pre-release and local-version rules,
// except for epochs in prefix matching and ~=, where packaging 23 ignored them (pypa/packaging#683):
// there we follow PEP 440 and packaging 24+ (equal epochs only).
import {
  InvalidVersion,
  baseVersion,
  compareVersions,
  formatVersion,
  isPostrelease,
  isPrerelease,
  parseVersion,
  publicVersion,
  tryParseVersion,
  type Version,
} from "./pep440.js";
import { quoteInput } from "../util/quote.js";

/** Thrown for text that is not a specifier (packaging's InvalidSpecifier). */
export class InvalidSpecifier extends Error {
  constructor(text: string) {
    super(`invalid version specifier: ${quoteInput(text)} (expected e.g. ==1.2.3, >=1.0,<2, ~=1.4, !=1.5.*)`);
    this.name = "InvalidSpecifier";
  }
}

export type SpecOperator = "~=" | "==" | "!=" | "<=" | ">=" | "<" | ">" | "===";

/** One clause, e.g. `>=1.0`. `version` is the text as written (stripped), as packaging keeps it. */
export interface Specifier {
  readonly operator: SpecOperator;
  readonly version: string;
}

/** A comma-separated set of clauses; an empty set matches every final release. */
export type SpecifierSet = readonly Specifier[];

// The version part of packaging's Specifier regex, branch by branch: which branch applies is chosen
// by lookbehind on the operator, exactly as packaging does (so `===` wins only by backtracking).
const PRE = String.raw`(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?`;
const POST = String.raw`(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?`;
const DEV = String.raw`(?:[-_.]?dev[-_.]?[0-9]*)?`;
const LOCAL = String.raw`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?`;
const VERSION_ALTERNATIVES = [
  String.raw`(?:(?<====)\s*[^\s;)]*)`,
  String.raw`(?:(?<===|!=)\s*v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:\.\*|${PRE}${POST}${DEV}${LOCAL})?)`,
  String.raw`(?:(?<=~=)\s*v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)+${PRE}${POST}${DEV})`,
  String.raw`(?:(?<!==|!=|~=)\s*v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*${PRE}${POST}${DEV})`,
].join("|");
const SPEC_RE = new RegExp(String.raw`^\s*(?<op>~=|==|!=|<=|>=|<|>|===)(?<version>${VERSION_ALTERNATIVES})\s*$`, "i");

/** Parses one clause, or returns undefined (no exception: markers try this on every comparison). */
export function tryParseSpecifier(text: string): Specifier | undefined {
  const g = SPEC_RE.exec(text)?.groups;
  if (!g || g.op === undefined || g.version === undefined) return undefined;
  return { operator: g.op.trim() as SpecOperator, version: g.version.trim() };
}

/** Parses one clause; throws InvalidSpecifier. */
export function parseSpecifier(text: string): Specifier {
  const s = tryParseSpecifier(text);
  if (!s) throw new InvalidSpecifier(text);
  return s;
}

/** Parses `>=1.0, <2` into its clauses (empty text → empty set); throws InvalidSpecifier. */
export function parseSpecifierSet(text: string): SpecifierSet {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(parseSpecifier);
}

/** Formats a set as packaging does: clauses sorted as strings, joined by commas. */
export function formatSpecifierSet(set: SpecifierSet): string {
  return [...new Set(set.map((s) => `${s.operator}${s.version}`))].sort().join(",");
}

/**
 * Whether a clause lets pre-releases in by default: one that names a pre-release with ==, >=, <=,
 * ~= or ===. (packaging raises for `===` of a non-PEP 440 string here; we answer false.)
 */
export function specifierAllowsPrereleases(s: Specifier): boolean {
  if (!["==", ">=", "<=", "~=", "==="].includes(s.operator)) return false;
  const text = s.operator === "==" && s.version.endsWith(".*") ? s.version.slice(0, -2) : s.version;
  const v = tryParseVersion(text);
  return v !== undefined && isPrerelease(v);
}

/** packaging's canonicalize_version: the canonical form, optionally without trailing ".0"s; non-versions unchanged. */
export function canonicalizeVersion(text: string, stripTrailingZero = true): string {
  const v = tryParseVersion(text);
  if (!v) return text;
  if (!stripTrailingZero) return formatVersion(v);
  const release = [...v.release];
  while (release.length > 1 && release[release.length - 1] === 0n) release.pop();
  return formatVersion({ ...v, release });
}

/**
 * Splits "2!1.2rc1" into ["2", "1", "2", "rc1"] the way packaging (24+) does: the epoch first ("0" when
 * absent), so that prefix matching and ~= compare it as its own component (PEP 440: equal epochs only).
 */
function versionSplit(text: string): string[] {
  const bang = text.lastIndexOf("!");
  const epoch = text.slice(0, Math.max(bang, 0)) || "0";
  const parts = text
    .slice(bang + 1)
    .split(".")
    .flatMap((item) => {
      const m = /^([0-9]+)((?:a|b|c|rc)[0-9]+)$/.exec(item);
      return m ? [m[1] as string, m[2] as string] : [item];
    });
  return [epoch, ...parts];
}

/** True for a segment that does not start a pre/post/dev suffix (packaging's _is_not_suffix). */
function isNotSuffix(segment: string): boolean {
  return !["dev", "a", "b", "rc", "post"].some((p) => segment.startsWith(p));
}

/** Leading all-digit segments of a split version. */
function leadingDigits(parts: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of parts) {
    if (!/^[0-9]+$/.test(p)) break;
    out.push(p);
  }
  return out;
}

/** Pads the numeric release part of `left` with "0"s to the length of `right`'s (packaging's _pad_version). */
function padLeft(left: readonly string[], right: readonly string[]): string[] {
  const l = leadingDigits(left);
  const r = leadingDigits(right);
  return [...l, ...Array<string>(Math.max(0, r.length - l.length)).fill("0"), ...left.slice(l.length)];
}

/** `==` (with or without a `.*` wildcard), as packaging's _compare_equal. */
function compareEqual(prospective: Version, spec: string): boolean {
  if (spec.endsWith(".*")) {
    const splitSpec = versionSplit(canonicalizeVersion(spec.slice(0, -2), false));
    const splitProspective = versionSplit(canonicalizeVersion(formatVersion(publicVersion(prospective))));
    const shortened = padLeft(splitProspective, splitSpec).slice(0, splitSpec.length);
    return shortened.length === splitSpec.length && shortened.every((x, i) => x === splitSpec[i]);
  }
  const specVersion = parseVersion(spec);
  const candidate = specVersion.local ? prospective : publicVersion(prospective);
  return compareVersions(candidate, specVersion) === 0;
}

/** `~=E!X.Y.Z`: >= E!X.Y.Z and == E!X.Y.* (the prefix computed from the text as packaging does). */
function compareCompatible(prospective: Version, spec: string): boolean {
  // A leading "v" is spelling only; dropped so that the epoch is the text before "!".
  const parts = versionSplit(spec.replace(/^v/i, ""));
  const kept: string[] = [];
  for (const p of parts) {
    if (!isNotSuffix(p)) break;
    kept.push(p);
  }
  const [epoch, ...release] = kept.slice(0, -1);
  const prefix = `${epoch ?? "0"}!${release.join(".")}.*`;
  return compareVersions(publicVersion(prospective), parseVersion(spec)) >= 0 && compareEqual(prospective, prefix);
}

/** `<V`: also excludes pre-releases of V itself unless V is a pre-release. */
function compareLessThan(prospective: Version, specText: string): boolean {
  const spec = parseVersion(specText);
  if (!(compareVersions(prospective, spec) < 0)) return false;
  const sameBase = compareVersions(baseVersion(prospective), baseVersion(spec)) === 0;
  return !(!isPrerelease(spec) && isPrerelease(prospective) && sameBase);
}

/** `>V`: also excludes post-releases and local versions of V itself. */
function compareGreaterThan(prospective: Version, specText: string): boolean {
  const spec = parseVersion(specText);
  if (!(compareVersions(prospective, spec) > 0)) return false;
  const sameBase = compareVersions(baseVersion(prospective), baseVersion(spec)) === 0;
  if (!isPostrelease(spec) && isPostrelease(prospective) && sameBase) return false;
  return !(prospective.local !== undefined && sameBase);
}

/** Applies one clause's operator, ignoring the pre-release gate. */
function matchOperator(v: Version, s: Specifier): boolean {
  switch (s.operator) {
    case "~=":
      return compareCompatible(v, s.version);
    case "==":
      return compareEqual(v, s.version);
    case "!=":
      return !compareEqual(v, s.version);
    case "<=":
      return compareVersions(publicVersion(v), parseVersion(s.version)) <= 0;
    case ">=":
      return compareVersions(publicVersion(v), parseVersion(s.version)) >= 0;
    case "<":
      return compareLessThan(v, s.version);
    case ">":
      return compareGreaterThan(v, s.version);
    case "===":
      return formatVersion(v).toLowerCase() === s.version.toLowerCase();
  }
}

export interface ContainsOptions {
  /** Let pre-releases match. Unset: allowed only when a clause names a pre-release (packaging's default). */
  readonly prereleases?: boolean;
}

/** Whether one clause matches a version (packaging's Specifier.contains). */
export function specifierContains(s: Specifier, version: Version | string, opts: ContainsOptions = {}): boolean {
  const v = typeof version === "string" ? parseVersion(version) : version;
  const pre = opts.prereleases ?? specifierAllowsPrereleases(s);
  if (isPrerelease(v) && !pre) return false;
  return matchOperator(v, s);
}

/** Whether every clause matches (packaging's SpecifierSet.contains); throws InvalidVersion for a bad version string. */
export function specifierSetContains(set: SpecifierSet, version: Version | string, opts: ContainsOptions = {}): boolean {
  const v = typeof version === "string" ? parseVersion(version) : version;
  const pre = opts.prereleases ?? set.some(specifierAllowsPrereleases);
  if (isPrerelease(v) && !pre) return false;
  return set.every((s) => specifierContains(s, v, { prereleases: pre }));
}

export { InvalidVersion };
