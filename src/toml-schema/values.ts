// The value kinds every TOML schema shares, each with one wording for its message: strings, integers
// in a range, booleans, enums (with "did you mean"), sizes, and the text rules for strings that end up in
// config files. Recipe, inventory and kiln.toml checks all say the same thing for the same mistake.
import { escapeControls, firstControl, quoteInput } from "../util/quote.js";
import { closest } from "./suggest.js";

/** True for a TOML table (not an array, not a date-time, not a scalar). */
export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** True for an array of strings. */
export function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

/** Describes a TOML value's type for "must be X, got Y" messages. */
export function describeValue(v: unknown): string {
  if (typeof v === "string") return `string ${quoteInput(v)}`;
  if (typeof v === "bigint") return `integer ${v}`;
  if (typeof v === "number") return Number.isInteger(v) ? `integer ${v}` : `float ${v}`;
  if (typeof v === "boolean") return `boolean ${v}`;
  if (v instanceof Date) return "a date-time";
  if (Array.isArray(v)) return "an array";
  return v === null || v === undefined ? "nothing" : "a table";
}

/** A TOML integer as a number (the parser gives bigint for large ones), or undefined for anything else. */
export function asInteger(v: unknown): number | undefined {
  const n = typeof v === "bigint" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) ? n : undefined;
}

/** Checks an integer and its inclusive bounds. */
export function integerProblem(v: unknown, range: { readonly min?: number; readonly max?: number } = {}): string | undefined {
  const n = asInteger(v);
  if (n === undefined) return `must be an integer, got ${describeValue(v)}`;
  const { min, max } = range;
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
    if (max === undefined) return `must be at least ${min}, got ${n}`;
    return min === undefined ? `must be at most ${max}, got ${n}` : `must be between ${min} and ${max}, got ${n}`;
  }
  return undefined;
}

/** Checks a boolean. */
export function booleanProblem(v: unknown): string | undefined {
  return typeof v === "boolean" ? undefined : `must be true or false, got ${describeValue(v)}`;
}

/** Checks a string type (its content is the caller's). */
export function stringTypeProblem(v: unknown): string | undefined {
  return typeof v === "string" ? undefined : `must be a string, got ${describeValue(v)}`;
}

/** Checks one of a fixed set of strings, suggesting the nearest for a typo. */
export function enumProblem(v: unknown, values: readonly string[]): string | undefined {
  if (typeof v === "string" && values.includes(v)) return undefined;
  const near = typeof v === "string" ? closest(v, values) : undefined;
  return `must be one of ${values.map((x) => JSON.stringify(x)).join(", ")}, got ${describeValue(v)}${near ? `; did you mean "${near}"?` : ""}`;
}

/** The message for a key the schema does not have: where it may go, what is allowed there, the likely intended one. */
export function unknownKeyMessage(key: string, allowed: readonly string[], where: string): string {
  const near = closest(key, allowed);
  return `unknown key ${quoteInput(key)} (allowed ${where}: ${allowed.join(", ")})${near ? `; did you mean "${near}"?` : ""}`;
}

/** Longest string a checked text value takes (a few known_hosts lines fit; a runaway value does not). */
export const STRING_MAX = 65_536;

/**
 * Checks what text bound for a config file or command must be: not huge, no control characters (C0,
 * DEL, C1, bidi overrides; a multi-line value may hold newlines and tabs). A newline in a value would
 * start a new line in the LXC or pct config it is written to.
 */
export function textProblem(v: string, multiline = false): string | undefined {
  if (v.length > STRING_MAX) return `is too long (at most ${STRING_MAX} characters), got ${quoteInput(v)}`;
  const c = firstControl(multiline ? v.replace(/[\n\t]/g, "") : v);
  return c === undefined ? undefined : `must not contain control characters (found ${escapeControls(c)}), got ${quoteInput(v)}`;
}

/** Binary multiples a size may end with. */
const SIZE_UNITS: Readonly<Record<string, number>> = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** A size as bytes: an integer, or a string such as "500M", "8G", "1.5T" (binary multiples; "8GiB" and "8GB" read as "8G"). */
export function parseSize(v: unknown): number | undefined {
  const n = asInteger(v);
  if (n !== undefined) return n >= 0 ? n : undefined;
  const m = typeof v === "string" ? /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(v.trim()) : null;
  const unit = SIZE_UNITS[(m?.[2] ?? "").toUpperCase()];
  if (!m || unit === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Checks a size (see parseSize). */
export function sizeProblem(v: unknown): string | undefined {
  return parseSize(v) === undefined ? `must be a size such as "500M", "8G" or a number of bytes, got ${describeValue(v)}` : undefined;
}
