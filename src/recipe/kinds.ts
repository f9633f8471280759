// What each FieldKind means: how a TOML value of that kind is checked, converted into the Recipe
// value, described in the docs and rendered into the JSON schema. schema.ts says which field has which kind.
import { statSync } from "node:fs";
import { isAbsolute, posix, relative, resolve } from "node:path";
import semver from "semver";
import { formatOf, type ConvertContext } from "./formats.js";
import type { FieldKind, FieldSpec } from "./spec.js";
import { booleanProblem, describeValue, enumProblem, integerProblem, stringTypeProblem } from "../toml-schema/values.js";
import { confinedFileProblem } from "../util/confine.js";
import { quoteInput } from "../util/quote.js";

/** One problem with a value; `at` is a suffix of its key path ("" or "[2]" or "[1][0]"). */
export interface Issue {
  readonly at: string;
  readonly message: string;
}

interface Kind {
  /** Type name in the docs. */
  readonly doc: (f: FieldSpec) => string;
  readonly check: (v: unknown, f: FieldSpec, dir: string) => readonly Issue[];
  readonly convert?: (v: unknown, f: FieldSpec, ctx: ConvertContext) => unknown;
  readonly json: (f: FieldSpec) => Record<string, unknown>;
}

/** Largest uid/gid: (uid_t)-1 is reserved. */
const MAX_ID = 4294967294;

/** Semantic-version pattern for the JSON schema (semver.org's, without the `v` some tools accept). */
const SEMVER_PATTERN =
  "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$";

/** One issue at the value itself. */
function bad(message: string, at = ""): Issue[] {
  return [{ at, message }];
}

/** An engine check's message (toml-schema/values.ts) as issues. */
function asIssues(message: string | undefined, at = ""): Issue[] {
  return message === undefined ? [] : bad(message, at);
}

/** Checks a string value against the field's format (pattern, then any further check). */
function checkFormat(s: string, f: FieldSpec, at = ""): Issue[] {
  if (s.includes("\0")) return bad("must not contain a NUL character", at);
  if (!f.format) return [];
  const fmt = formatOf(f.format);
  if (!new RegExp(fmt.pattern, "u").test(s)) return bad(`must be ${fmt.what}, got ${quoteInput(s)}`, at);
  const msg = fmt.check?.(s);
  return msg ? bad(msg, at) : [];
}

/** Checks a string-typed value, then its format. */
function checkString(v: unknown, f: FieldSpec, at = ""): Issue[] {
  return typeof v === "string" ? checkFormat(v, f, at) : asIssues(stringTypeProblem(v), at);
}

/** Checks an argv: a non-empty array of strings whose first element names a program. */
function checkArgv(v: unknown, at = ""): Issue[] {
  if (!Array.isArray(v)) return bad(`must be an array of strings (argv), got ${describeValue(v)}`, at);
  if (v.length === 0) return bad('must not be empty: name the program, e.g. ["systemctl", "is-active", "ssh.service"]', at);
  const issues = v.flatMap((x, i) =>
    typeof x !== "string" ? asIssues(stringTypeProblem(x), `${at}[${i}]`) : x.includes("\0") ? bad("must not contain a NUL character", `${at}[${i}]`) : [],
  );
  return issues.length || v[0] !== "" ? issues : bad("the program name must not be empty", `${at}[0]`);
}

/** Checks an absolute, normalised path inside the image. */
function checkImagePath(s: string): Issue[] {
  if (!s.startsWith("/")) return bad(`must be an absolute path in the image (starting with '/'), got ${quoteInput(s)}`);
  if (s.split("/").some((seg) => seg === ".." || seg === ".")) return bad(`must not contain '.' or '..' segments, got ${quoteInput(s)}`);
  if (s === "/") return bad("must not be the image root '/'");
  const norm = posix.normalize(s).replace(/\/$/, "");
  return norm === s ? [] : bad(`must be normalised (no '//' or trailing '/'): write ${quoteInput(norm)}`);
}

/** Checks a relative path, and that the file exists when the field says it must. */
function checkRelativePath(s: string, f: FieldSpec, dir: string): Issue[] {
  if (s === "" || isAbsolute(s)) return bad(`must be a path relative to the recipe file, got ${quoteInput(s)}`);
  const fmt = checkFormat(s, f);
  if (fmt.length || !f.mustExist) return fmt;
  const abs = resolve(dir, s);
  try {
    if (!statSync(abs).isFile()) return bad(`${quoteInput(s)} is not a regular file`);
  } catch {
    return bad(`no such file ${quoteInput(s)} (looked for ${abs})`);
  }
  return [];
}

/** Checks a host file the recipe copies: relative, and a regular file inside the recipe's directory. */
function checkProjectFile(s: string, dir: string): Issue[] {
  if (s === "" || isAbsolute(s)) return bad(`must be a path relative to the recipe file, got ${quoteInput(s)}`);
  if (s.includes("\0")) return bad("must not contain a NUL character");
  const why = confinedFileProblem(dir, resolve(dir, s), s);
  return why ? bad(why) : [];
}

/** Parses a quoted octal mode ("0644", "755") and refuses anything above 07777. */
function checkMode(v: unknown): Issue[] {
  if (typeof v !== "string") return bad(`must be a quoted octal string such as "0644", got ${describeValue(v)} (TOML integers are decimal)`);
  if (!/^[0-7]{3,6}$/.test(v)) return bad(`must be an octal mode of 3 or 4 digits such as "0644" or "755", got ${quoteInput(v)}`);
  return Number.parseInt(v, 8) > 0o7777 ? bad(`mode ${v} is above 07777`) : [];
}

/** Rebases a path written relative to one recipe onto the directory of the recipe being loaded. */
function rebase(v: unknown, _f: FieldSpec, ctx: ConvertContext): unknown {
  return typeof v === "string" ? relative(ctx.leafDir, resolve(ctx.dir, v)) || "." : v;
}

/** Applies a format's conversion, if it has one (to a string, or to one element of a string array). */
export function convertItem(v: unknown, f: FieldSpec, ctx: ConvertContext): unknown {
  const conv = f.format ? formatOf(f.format).convert : undefined;
  return conv && typeof v === "string" ? conv(v, ctx) : v;
}

/** JSON schema of a string with the field's format pattern. */
function jsonString(f: FieldSpec): Record<string, unknown> {
  return f.format ? { type: "string", pattern: formatOf(f.format).pattern } : { type: "string" };
}

/** Type text for the docs, with the format spelled out. */
function docString(base: string, f: FieldSpec): string {
  return f.format ? `${base}: ${formatOf(f.format).what}` : base;
}

/** Converts a whole TOML value into its Recipe value. */
export function convertValue(f: FieldSpec, v: unknown, ctx: ConvertContext): unknown {
  const conv = KINDS[f.kind].convert;
  return conv ? conv(v, f, ctx) : v;
}

const ARGV_JSON = { type: "array", minItems: 1, items: { type: "string" } };

export const KINDS: Readonly<Record<FieldKind, Kind>> = {
  string: { doc: (f) => docString("string", f), check: (v, f) => checkString(v, f), convert: convertItem, json: jsonString },
  int: {
    doc: (f) => `integer${f.min !== undefined ? `, ${f.min}–${f.max}` : ""}`,
    check: (v, f) => asIssues(integerProblem(v, f)),
    json: (f) => ({ type: "integer", minimum: f.min, maximum: f.max }),
  },
  bool: {
    doc: () => "boolean",
    check: (v) => asIssues(booleanProblem(v)),
    json: () => ({ type: "boolean" }),
  },
  "string-array": {
    doc: (f) => docString("array of strings", f),
    check: (v, f) =>
      !Array.isArray(v)
        ? bad(`must be an array of strings, got ${describeValue(v)}`)
        : f.nonEmpty && v.length === 0
          ? bad("must not be empty")
          : v.flatMap((x, i) => checkString(x, f, `[${i}]`)),
    convert: (v, f, ctx) => (Array.isArray(v) ? v.map((x) => convertItem(x, f, ctx)) : v),
    json: (f) => ({ type: "array", items: jsonString(f), minItems: f.nonEmpty ? 1 : undefined }),
  },
  "argv-array": { doc: () => "argv: non-empty array of strings", check: (v) => checkArgv(v), json: () => ARGV_JSON },
  "argv-list": {
    doc: () => "array of argv arrays",
    check: (v) => (Array.isArray(v) ? v.flatMap((x, i) => checkArgv(x, `[${i}]`)) : bad(`must be an array of argv arrays, got ${describeValue(v)}`)),
    json: () => ({ type: "array", items: ARGV_JSON }),
  },
  enum: {
    doc: (f) => `one of ${(f.values ?? []).map((x) => `\`${x}\``).join(", ")}`,
    check: (v, f) => asIssues(enumProblem(v, f.values ?? [])),
    json: (f) => ({ type: "string", enum: f.values }),
  },
  semver: {
    doc: () => "string: semantic version (e.g. `1.4.0`, `2.0.0-rc.1`)",
    check: (v) =>
      typeof v !== "string"
        ? bad(`must be a version string such as "1.4.0", got ${describeValue(v)}`)
        : semver.valid(v) !== null && new RegExp(SEMVER_PATTERN).test(v)
          ? []
          : bad(`${quoteInput(v)} is not a valid semantic version: write MAJOR.MINOR.PATCH, e.g. "1.4.0" (no leading "v")`),
    json: () => ({ type: "string", pattern: SEMVER_PATTERN }),
  },
  "abs-path-in-image": {
    doc: () => "string: absolute, normalised path in the image (no `..`)",
    check: (v) =>
      typeof v === "string"
        ? v.includes("\0")
          ? bad("must not contain a NUL character")
          : checkImagePath(v)
        : bad(`must be an absolute path string, got ${describeValue(v)}`),
    json: () => ({ type: "string", pattern: "^(/[^/\\u0000]+)+$", not: { pattern: "(^|/)\\.\\.?(/|$)" } }),
  },
  "relative-path": {
    doc: (f) => (f.format ? `string: ${formatOf(f.format).what}` : "string: path relative to the recipe file"),
    check: (v, f, dir) => (typeof v === "string" ? checkRelativePath(v, f, dir) : bad(`must be a relative path string, got ${describeValue(v)}`)),
    convert: rebase,
    json: (f) => ({ type: "string", pattern: f.format ? formatOf(f.format).pattern : "^[^/]" }),
  },
  "project-file": {
    doc: () => "string: path of a regular file inside the recipe's directory (no `..` or symlink leading out)",
    check: (v, _f, dir) => (typeof v === "string" ? checkProjectFile(v, dir) : bad(`must be a relative path string, got ${describeValue(v)}`)),
    convert: rebase,
    json: () => ({ type: "string", pattern: "^[^/]" }),
  },
  "octal-mode": {
    doc: () => 'string: octal permissions, e.g. `"0644"`, `"755"`',
    check: checkMode,
    convert: (v) => (typeof v === "string" ? Number.parseInt(v, 8) : v),
    json: () => ({ type: "string", pattern: "^[0-7]{3,4}$" }),
  },
  owner: {
    doc: () => 'string: numeric `uid:gid`, e.g. `"0:0"`',
    check: (v) => {
      const m = typeof v === "string" ? /^(\d+):(\d+)$/.exec(v) : null;
      if (!m) return bad(`must be a numeric "uid:gid" such as "0:0" (names are not resolved: the image's passwd is not read), got ${describeValue(v)}`);
      return Number(m[1]) > MAX_ID || Number(m[2]) > MAX_ID ? bad(`uid and gid must be at most ${MAX_ID}`) : [];
    },
    json: () => ({ type: "string", pattern: "^[0-9]+:[0-9]+$" }),
  },
};
