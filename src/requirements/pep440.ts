// PEP 440 versions: parsing, normalisation and ordering, exactly as `packaging.version.Version`
// (packaging 23) does it. Numbers are bigints because PEP 440 puts no bound on them.
import { quoteInput } from "../util/quote.js";

/** Thrown for a string that is not a PEP 440 version (packaging's InvalidVersion). */
export class InvalidVersion extends Error {
  constructor(text: string) {
    super(`invalid version: ${quoteInput(text)} (PEP 440 versions look like 1.2.3, 1.0rc1, 2!1.0.post1, 1.0+local)`);
    this.name = "InvalidVersion";
  }
}

/** A pre-release tag after normalisation: alpha → a, beta → b, c/pre/preview → rc. */
export type PreTag = "a" | "b" | "rc";

/** A parsed version. Fields hold the normalised values; `toString()` gives the canonical form. */
export interface Version {
  readonly epoch: bigint;
  readonly release: readonly bigint[];
  readonly pre?: { readonly tag: PreTag; readonly n: bigint };
  readonly post?: bigint;
  readonly dev?: bigint;
  /** Local segment parts: numbers where the part is all digits, lowercase strings otherwise. */
  readonly local?: readonly (bigint | string)[];
}

// Kept in the same shape (and alternation order) as packaging's VERSION_PATTERN, so that the
// regular-expression engine makes the same choices when it backtracks.
const VERSION_BODY =
  String.raw`v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\.[0-9]+)*)` +
  String.raw`(?<pre>[-_.]?(?<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?<pre_n>[0-9]+)?)?` +
  String.raw`(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?` +
  String.raw`(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?)` +
  String.raw`(?:\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?`;
const VERSION_RE = new RegExp(String.raw`^\s*${VERSION_BODY}\s*$`, "i");

/** Normalises a pre-release spelling to a, b or rc. */
function preTag(letter: string): PreTag {
  const l = letter.toLowerCase();
  if (l === "a" || l === "alpha") return "a";
  if (l === "b" || l === "beta") return "b";
  return "rc";
}

/** Parses a version, or returns undefined when it is not PEP 440 (no exception: markers call this a lot). */
export function tryParseVersion(text: string): Version | undefined {
  const g = VERSION_RE.exec(text)?.groups;
  if (!g || g.release === undefined) return undefined;
  const num = (s: string | undefined): bigint => BigInt(s ?? "0");
  const postNumber = g.post_n1 ?? g.post_n2;
  const hasPost = g.post_l !== undefined || g.post_n1 !== undefined;
  return {
    epoch: num(g.epoch),
    release: g.release.split(".").map((x) => BigInt(x)),
    ...(g.pre_l !== undefined ? { pre: { tag: preTag(g.pre_l), n: num(g.pre_n) } } : {}),
    ...(hasPost ? { post: num(postNumber) } : {}),
    ...(g.dev_l !== undefined ? { dev: num(g.dev_n) } : {}),
    ...(g.local !== undefined ? { local: g.local.split(/[-_.]/).map((p) => (/^[0-9]+$/.test(p) ? BigInt(p) : p.toLowerCase())) } : {}),
  };
}

/** Parses a version; throws InvalidVersion when it is not PEP 440. */
export function parseVersion(text: string): Version {
  const v = tryParseVersion(text);
  if (!v) throw new InvalidVersion(text);
  return v;
}

/** True when `text` is a valid PEP 440 version. */
export function isValidVersion(text: string): boolean {
  return tryParseVersion(text) !== undefined;
}

/** The canonical string form (packaging's `str(Version(...))`). */
export function formatVersion(v: Version): string {
  let s = v.epoch !== 0n ? `${v.epoch}!` : "";
  s += v.release.join(".");
  if (v.pre) s += `${v.pre.tag}${v.pre.n}`;
  if (v.post !== undefined) s += `.post${v.post}`;
  if (v.dev !== undefined) s += `.dev${v.dev}`;
  if (v.local) s += `+${v.local.join(".")}`;
  return s;
}

/** Normalises a version string ("1.0-RC1" → "1.0rc1"); throws InvalidVersion. */
export function normalizeVersion(text: string): string {
  return formatVersion(parseVersion(text));
}

/** The version without its local segment (packaging's `.public`), as a Version. */
export function publicVersion(v: Version): Version {
  if (!v.local) return v;
  const { local: _dropped, ...rest } = v;
  return rest;
}

/** Epoch and release only (packaging's `.base_version`), as a Version. */
export function baseVersion(v: Version): Version {
  return { epoch: v.epoch, release: v.release };
}

/** Pre-releases and dev releases are "pre-releases" for specifier matching. */
export function isPrerelease(v: Version): boolean {
  return v.pre !== undefined || v.dev !== undefined;
}

/** True for a version with a post segment. */
export function isPostrelease(v: Version): boolean {
  return v.post !== undefined;
}

/** -1, 0 or 1 for bigints. */
function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Release tuples compare with trailing zeros ignored (1.0 == 1.0.0), shorter prefix first. */
function cmpRelease(a: readonly bigint[], b: readonly bigint[]): number {
  let la = a.length;
  let lb = b.length;
  while (la > 0 && a[la - 1] === 0n) la--;
  while (lb > 0 && b[lb - 1] === 0n) lb--;
  for (let i = 0; i < Math.min(la, lb); i++) {
    const c = cmpBig(a[i] as bigint, b[i] as bigint);
    if (c) return c;
  }
  return la - lb === 0 ? 0 : la < lb ? -1 : 1;
}

// A sort key position: -∞, +∞, or a finite value compared by `cmp`.
const NEG = -1;
const POS = 1;
const FIN = 0;

/** Pre-release key: 1.0.dev0 sorts before 1.0a0 (−∞); a final release after every pre (+∞). */
function preKey(v: Version): [number, string, bigint] {
  if (!v.pre && v.post === undefined && v.dev !== undefined) return [NEG, "", 0n];
  if (!v.pre) return [POS, "", 0n];
  return [FIN, v.pre.tag, v.pre.n];
}

/** Compares two [kind, tag, n] keys. */
function cmpKey(a: [number, string, bigint], b: [number, string, bigint]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[0] !== FIN) return 0;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return cmpBig(a[2], b[2]);
}

/** Local segments: absent sorts first; strings before numbers; then element-wise, shorter first. */
function cmpLocal(a: Version["local"], b: Version["local"]): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as bigint | string;
    const y = b[i] as bigint | string;
    if (typeof x === "string" && typeof y === "string") {
      if (x !== y) return x < y ? -1 : 1;
    } else if (typeof x === "bigint" && typeof y === "bigint") {
      const c = cmpBig(x, y);
      if (c) return c;
    } else {
      return typeof x === "string" ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Orders two versions as packaging does: negative, zero or positive. */
export function compareVersions(a: Version, b: Version): number {
  return (
    cmpBig(a.epoch, b.epoch) ||
    cmpRelease(a.release, b.release) ||
    cmpKey(preKey(a), preKey(b)) ||
    cmpKey(a.post === undefined ? [NEG, "", 0n] : [FIN, "post", a.post], b.post === undefined ? [NEG, "", 0n] : [FIN, "post", b.post]) ||
    cmpKey(a.dev === undefined ? [POS, "", 0n] : [FIN, "dev", a.dev], b.dev === undefined ? [POS, "", 0n] : [FIN, "dev", b.dev]) ||
    cmpLocal(a.local, b.local)
  );
}

/** Compares two version strings; throws InvalidVersion if either is not PEP 440. */
export function compareVersionStrings(a: string, b: string): number {
  return compareVersions(parseVersion(a), parseVersion(b));
}
