// Reads one inventory table against its schema: type checks, bounds, string rules, defaults, unknown keys.
// Problems are collected (key path + message); the caller adds file and line.
import { describeValue } from "../toml-schema/values.js";
import { closest } from "../toml-schema/suggest.js";
import { escapeControls, firstControl, quoteInput } from "../util/quote.js";
import { VMID_MAX, VMID_MIN, type InvField, type InvTable, type InvValue } from "./inventory-schema.js";

/** A problem before it is placed in the file. */
export interface KeyProblem {
  readonly key: string;
  readonly message: string;
}

/** A table's values after checking: property name → value (defaults filled). Bad values are left out. */
export type Fields = Readonly<Record<string, InvValue | readonly [number, number] | readonly string[] | undefined>>;

/** True for a TOML table (not an array, date or scalar). */
export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** "unknown key" with the nearest allowed key suggested. */
export function unknownKey(key: string, path: string, allowed: readonly string[]): KeyProblem {
  const near = closest(key, allowed);
  return { key: path, message: `unknown key${near ? ` (did you mean '${near}'?)` : ""}; allowed here: ${allowed.join(", ")}` };
}

/** Checks a `slots = [a, b]` value. */
function checkSlots(v: unknown, path: string, out: KeyProblem[]): readonly [number, number] | undefined {
  if (!Array.isArray(v) || v.length !== 2) {
    out.push({ key: path, message: `must be two container ids, e.g. [1101, 1102]; got ${describeValue(v)}${Array.isArray(v) ? ` of ${v.length}` : ""}` });
    return undefined;
  }
  let ok = true;
  v.forEach((id: unknown, i) => {
    const n = typeof id === "bigint" ? Number(id) : id;
    if (typeof n !== "number" || !Number.isInteger(n) || n < VMID_MIN || n > VMID_MAX) {
      out.push({ key: `${path}[${i}]`, message: `must be a container id (vmid) from ${VMID_MIN} to ${VMID_MAX}, as pct requires; got ${describeValue(id)}` });
      ok = false;
    }
  });
  if (ok && v[0] === v[1]) {
    out.push({ key: `${path}[1]`, message: `must differ from slots[0] (${String(v[0])}): a node alternates between two containers` });
    ok = false;
  }
  return ok ? [v[0] as number, v[1] as number] : undefined;
}

/** Checks a non-empty list of strings, each against the field's rules. */
function checkWords(f: InvField, v: unknown, path: string, out: KeyProblem[]): readonly string[] | undefined {
  if (!Array.isArray(v) || v.length === 0) {
    out.push({ key: path, message: `must be a non-empty list of strings, e.g. ["ci"]; got ${describeValue(v)}` });
    return undefined;
  }
  const before = out.length;
  v.forEach((x: unknown, i) => {
    const msg = typeof x !== "string" ? `must be a string, got ${describeValue(x)}` : (textProblem(x) ?? f.check?.(x));
    if (msg) out.push({ key: `${path}[${i}]`, message: msg });
  });
  return out.length === before ? (v as string[]) : undefined;
}

/** Longest string any inventory key takes (a few known_hosts lines fit; a runaway value does not). */
export const STRING_MAX = 65_536;

/**
 * Checks what every string must be: not huge, no control characters (C0, DEL, C1, bidi overrides; a
 * multi-line field may hold newlines and tabs). A newline in a value would start a new line in the
 * LXC or pct config it is written to.
 */
export function textProblem(v: string, multiline = false): string | undefined {
  if (v.length > STRING_MAX) return `is too long (at most ${STRING_MAX} characters), got ${quoteInput(v)}`;
  const c = firstControl(multiline ? v.replace(/[\n\t]/g, "") : v);
  return c === undefined ? undefined : `must not contain control characters (found ${escapeControls(c)}), got ${quoteInput(v)}`;
}

/** Checks one value against its field; pushes problems and returns the value when good. */
function checkValue(f: InvField, v: unknown, path: string, out: KeyProblem[]): Fields[string] {
  const bad = (message: string) => {
    out.push({ key: path, message });
    return undefined;
  };
  switch (f.kind) {
    case "slots":
      return checkSlots(v, path, out);
    case "words":
      return checkWords(f, v, path, out);
    case "bool":
      return typeof v === "boolean" ? v : bad(`must be true or false, got ${describeValue(v)}`);
    case "int": {
      const n = typeof v === "bigint" ? Number(v) : v;
      if (typeof n !== "number" || !Number.isInteger(n)) return bad(`must be a whole number, got ${describeValue(v)}`);
      if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) return bad(`must be from ${f.min} to ${f.max}, got ${n}`);
      return n;
    }
    case "enum":
      if (typeof v !== "string" || !f.values?.includes(v)) {
        const near = typeof v === "string" ? closest(v, f.values ?? []) : undefined;
        return bad(`must be one of ${(f.values ?? []).map((x) => `"${x}"`).join(", ")}, got ${describeValue(v)}${near ? ` (did you mean "${near}"?)` : ""}`);
      }
      return v;
    case "string": {
      if (typeof v !== "string") return bad(`must be a string, got ${describeValue(v)}`);
      const msg = textProblem(v, f.multiline) ?? f.check?.(v);
      return msg ? bad(msg) : v;
    }
  }
}

/**
 * Reads `table` (at key path `path`) against `spec`: every field checked, required ones demanded, defaults
 * filled, keys neither in the spec nor in `extra` refused. Returns the values keyed by property name.
 */
export function readFields(o: {
  readonly table: Record<string, unknown>;
  readonly spec: InvTable;
  readonly path: string;
  readonly extra?: readonly string[];
  readonly out: KeyProblem[];
}): Fields {
  const { table, spec, path, out } = o;
  const known = [...spec.fields.map((f) => f.key), ...(o.extra ?? [])];
  const values: Record<string, Fields[string]> = {};
  for (const key of Object.keys(table)) if (!known.includes(key)) out.push(unknownKey(key, `${path}.${key}`, known));
  for (const f of spec.fields) {
    const v = table[f.key];
    const prop = f.prop ?? f.key;
    if (v === undefined) {
      if (f.required) out.push({ key: `${path}.${f.key}`, message: `is required: ${f.description}` });
      values[prop] = f.default;
    } else values[prop] = checkValue(f, v, `${path}.${f.key}`, out);
  }
  return values;
}
