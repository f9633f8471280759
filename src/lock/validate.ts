// The shape of a lock file, as data, and the check that reports every deviation from it with its key
// path (`debs[3].sha256: …`): wrong types, unknown or missing keys, bad digests, duplicate entries.
import type { Problem } from "../errors.js";
import type { Lock } from "./types.js";
import { canonicalizeName } from "../requirements/names.js";
import { isLockableVersion } from "../requirements/pin-version.js";
import { isValidDebVersion } from "../debian/version.js";
import { isSha256Hex } from "../util/hash.js";
import { quoteValue } from "../util/quote.js";

/** Returns a problem message for a bad value, or undefined. */
type Rule = (v: unknown) => string | undefined;
/** A JSON object: each allowed key with its rule or nested shape. */
interface Shape {
  readonly [key: string]: Rule | Shape;
}

/** A string matching `re`, described as `what`. */
const str =
  (re: RegExp, what: string): Rule =>
  (v) =>
    typeof v === "string" && re.test(v) ? undefined : `must be ${what}, got ${quoteValue(v)}`;

const sha256: Rule = (v) => (typeof v === "string" && isSha256Hex(v) ? undefined : `must be a sha256 digest (64 lowercase hex), got ${quoteValue(v)}`);
const nonEmpty = str(/^\S+$/, "a non-empty string without spaces");
const packageName = str(/^[a-z0-9][a-z0-9+.-]+$/, "a Debian package name");
const debVersion: Rule = (v) => (typeof v === "string" && isValidDebVersion(v) ? undefined : `must be a Debian version, got ${quoteValue(v)}`);
const wheelName: Rule = (v) =>
  typeof v === "string" && v !== "" && canonicalizeName(v) === v ? undefined : `must be a PEP 503-normalised project name, got ${quoteValue(v)}`;
const wheelVersion: Rule = (v) =>
  typeof v === "string" && isLockableVersion(v)
    ? undefined
    : `must be a PEP 440 version (or a === pin's text: letters, digits, . _ + ! -), got ${quoteValue(v)}`;
const kind: Rule = (v) => (v === "git" || v === "svn" ? undefined : `must be "git" or "svn", got ${quoteValue(v)}`);

const DEB: Shape = { name: packageName, version: debVersion, arch: str(/^[a-z0-9][a-z0-9-]*$/, 'a Debian architecture (or "all")'), sha256 };
const WHEEL: Shape = { name: wheelName, version: wheelVersion, file: str(/^[^/\\\s]+\.whl$/, "a wheel file name (*.whl, no directory)"), sha256 };
const CHECKOUT: Shape = {
  name: str(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a checkout name"),
  kind,
  url: nonEmpty,
  revision: str(/^([0-9a-f]{40}|[0-9a-f]{64}|[0-9]+)$/, "a full git commit id or an SVN revision number"),
  sha256,
};
const LOCK: Shape = {
  lockVersion: (v) => (v === 1 ? undefined : `must be 1 (the lock format this kiln reads), got ${quoteValue(v)}`),
  base: { suite: nonEmpty, variant: nonEmpty, arch: nonEmpty },
  sourceDateEpoch: (v) =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? undefined : `must be a whole number of seconds ≥ 0, got ${quoteValue(v)}`,
  recipeSha256: sha256,
  requirementsSha256: (v) => (v === null ? undefined : sha256(v)),
  debs: DEB,
  wheels: WHEEL,
  checkouts: CHECKOUT,
};
/** Arrays of entries, and what makes an entry unique within its array. */
const LISTS: Readonly<Record<string, (e: Record<string, unknown>) => string>> = {
  debs: (e) => `${String(e.name)}:${String(e.arch)}`,
  wheels: (e) => String(e.name),
  checkouts: (e) => String(e.name),
};

/** True for a JSON object. */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Checks an object against a shape, appending problems with key paths below `path`. */
function checkShape(v: unknown, shape: Shape, path: string, out: Problem[]): void {
  if (!isObject(v)) {
    out.push({ key: path || undefined, message: `must be an object, got ${Array.isArray(v) ? "an array" : quoteValue(v)}` });
    return;
  }
  const at = (k: string): string => (path ? `${path}.${k}` : k);
  for (const k of Object.keys(v)) if (!(k in shape)) out.push({ key: at(k), message: `unknown key (allowed: ${Object.keys(shape).join(", ")})` });
  for (const [k, rule] of Object.entries(shape)) {
    if (!(k in v)) out.push({ key: at(k), message: "missing" });
    else if (typeof rule === "function") {
      const msg = rule(v[k]);
      if (msg) out.push({ key: at(k), message: msg });
    } else {
      const idOf = LISTS[k];
      if (idOf) checkList(v[k], rule, at(k), idOf, out);
      else checkShape(v[k], rule, at(k), out);
    }
  }
}

/** Checks an array of entries and that no two share an identity. */
function checkList(v: unknown, shape: Shape, path: string, idOf: (e: Record<string, unknown>) => string, out: Problem[]): void {
  if (!Array.isArray(v)) {
    out.push({ key: path, message: "must be an array" });
    return;
  }
  const seen = new Map<string, number>();
  v.forEach((e, n) => {
    checkShape(e, shape, `${path}[${n}]`, out);
    if (!isObject(e)) return;
    const id = idOf(e);
    const prev = seen.get(id);
    if (prev !== undefined) out.push({ key: `${path}[${n}]`, message: `${id} appears twice (also ${path}[${prev}])` });
    else seen.set(id, n);
  });
}

/** Every problem with a parsed lock document (empty when it is a valid Lock). */
export function checkLock(v: unknown): Problem[] {
  const out: Problem[] = [];
  checkShape(v, LOCK, "", out);
  return out;
}

/** True when `v` has the lock's whole shape (every key, kind and list identity checked); else its problems go to `out`. */
export function isLock(v: unknown, out: Problem[]): v is Lock {
  const found = checkLock(v);
  out.push(...found);
  return found.length === 0;
}
