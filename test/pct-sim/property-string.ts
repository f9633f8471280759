// Comma-separated property strings ("name=eth0,bridge=vmbr0,ip=dhcp") parsed and checked like
// PVE::JSONSchema::parse_property_string, and printed back like print_property_string (default key
// first, then required keys, then the rest sorted).
import { parseBoolean, type Check } from "./formats.js";

export interface KeySpec {
  readonly type?: "boolean" | "string" | "integer" | "number";
  readonly check?: Check;
  readonly optional?: boolean;
  /** The key a value without "key=" belongs to. */
  readonly defaultKey?: boolean;
}

export type PropertyFormat = Readonly<Record<string, KeySpec>>;

/** Parsed keys, or the errors found (keyed `<path>.<key>` for per-key problems, `<path>` otherwise). */
export type ParseResult = { readonly ok: true; readonly value: Record<string, string> } | { readonly ok: false; readonly errors: Record<string, string> };

/** Parses and checks a property string at parameter `path`. */
export function parsePropertyString(format: PropertyFormat, text: string, path: string): ParseResult {
  const res: Record<string, string> = {};
  const fail = (msg: string): ParseResult => ({ ok: false, errors: { [path]: `invalid format - ${msg}` } });
  const defaultKey = Object.keys(format).find((k) => format[k]?.defaultKey);
  for (const part of text.split(",")) {
    if (/^\s*$/.test(part)) continue;
    const m = /^([a-z][a-z0-9_-]+)=(.*)$/i.exec(part);
    if (m) {
      const [, k = "", v = ""] = m;
      if (k in res) return fail(`duplicate key in comma-separated list property: ${k}`);
      const spec = format[k];
      if (!spec) return fail(`invalid key in comma-separated list property: ${k}`);
      res[k] = spec.type === "boolean" ? (parseBoolean(v) ?? v) : v;
    } else if (!part.includes("=")) {
      if (!defaultKey) return fail("value without key, but schema does not define a default key");
      if (defaultKey in res) return fail(`duplicate key in comma-separated list property: ${defaultKey}`);
      res[defaultKey] = part;
    } else return fail("missing key in comma-separated list property");
  }
  const errors: Record<string, string> = {};
  for (const [k, spec] of Object.entries(format)) {
    const v = res[k];
    if (v === undefined) {
      if (!spec.optional) errors[`${path}.${k}`] = "property is missing and it is not optional";
      continue;
    }
    const err = spec.type === "boolean" ? (v === "0" || v === "1" ? undefined : `type check ('boolean') failed - got '${v}'`) : spec.check?.(v);
    if (err) errors[`${path}.${k}`] = err;
  }
  if (Object.keys(errors).length) return { ok: false, errors: { [path]: "invalid format - format error", ...errors } };
  return { ok: true, value: res };
}

/** Prints parsed keys back: default key bare and first, then required keys, then the rest sorted. */
export function printPropertyString(format: PropertyFormat, value: Readonly<Record<string, string>>): string {
  const keys = Object.keys(value).filter((k) => value[k] !== undefined);
  const rank = (k: string) => (format[k]?.defaultKey ? 0 : format[k]?.optional ? 2 : 1);
  keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return keys.map((k) => (format[k]?.defaultKey ? value[k] : `${k}=${value[k]}`)).join(",");
}
