// Reads one TOML table against a list of described fields: each value checked by its kind, required keys
// demanded, defaults filled, unknown keys refused with the nearest allowed one suggested. Problems are
// collected as key path + message; the caller places them in the file (problemAt).
import {
  booleanProblem,
  enumProblem,
  integerProblem,
  asInteger,
  parseSize,
  sizeProblem,
  stringTypeProblem,
  textProblem,
  unknownKeyMessage,
  describeValue,
} from "./values.js";

/** A problem before it is placed in the file. */
export interface KeyProblem {
  readonly key: string;
  readonly message: string;
}

/** A checked value. */
export type FieldValue = string | number | boolean | readonly string[] | readonly number[];

/** What a field's TOML value must be; `custom` reads it with the field's own `read`. */
export type TableFieldKind = "string" | "int" | "bool" | "enum" | "size" | "words" | "custom";

/** What every described field says, whatever reads it (this reader, or the recipe's kinds). */
export interface FieldBase<K extends string> {
  /** Key as written in TOML (snake_case). */
  readonly key: string;
  /** Property name in the typed result when it differs (camelCase). */
  readonly prop?: string;
  readonly kind: K;
  readonly description: string;
  readonly required?: boolean;
  /** Allowed values of an enum. */
  readonly values?: readonly string[];
  /** Inclusive bounds of an int. */
  readonly min?: number;
  readonly max?: number;
}

/** The property a field fills: `prop`, else its key. */
export function propOf(f: { readonly key: string; readonly prop?: string }): string {
  return f.prop ?? f.key;
}

export interface TableField extends FieldBase<TableFieldKind> {
  readonly default?: string | number | boolean;
  /** A string that may span lines: newlines and tabs are allowed (other control characters never are). */
  readonly multiline?: boolean;
  /** Further rule for a string, or for each string of `words`: a message saying what is wrong, or undefined. */
  readonly check?: (v: string) => string | undefined;
  /** Reads a `custom` value: pushes its problems, returns it when good. */
  readonly read?: (v: unknown, key: string, out: KeyProblem[]) => FieldValue | undefined;
}

/** How a table is written and what it holds, for messages and docs: `[hosts.<name>]`. */
export interface TableSpec {
  readonly header: string;
  readonly description: string;
  readonly fields: readonly TableField[];
}

/** A table's values after checking: property name → value (defaults filled). Bad values are left out. */
export type Fields = Readonly<Record<string, FieldValue | undefined>>;

/** `parent.key`, or `key` at the top. */
export function childKey(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/** Checks a string: its type, its text (no control characters, not huge), then the field's own rule. */
function stringValue(f: TableField, v: unknown): string | undefined {
  return stringTypeProblem(v) ?? (typeof v === "string" ? (textProblem(v, f.multiline) ?? f.check?.(v)) : undefined);
}

/** Checks a non-empty list of strings, each against the field's rules. */
function readWords(f: TableField, v: unknown, key: string, out: KeyProblem[]): readonly string[] | undefined {
  if (!Array.isArray(v) || v.length === 0) {
    out.push({ key, message: `must be a non-empty list of strings, e.g. ["ci"]; got ${describeValue(v)}` });
    return undefined;
  }
  const words: string[] = [];
  v.forEach((x: unknown, i) => {
    const msg = stringValue(f, x);
    if (msg) out.push({ key: `${key}[${i}]`, message: msg });
    else if (typeof x === "string") words.push(x);
  });
  return words.length === v.length ? words : undefined;
}

/** Checks one value against its field; pushes problems and returns the value when good. */
function readValue(f: TableField, v: unknown, key: string, out: KeyProblem[]): FieldValue | undefined {
  const checked = (message: string | undefined, value: FieldValue | undefined): FieldValue | undefined => {
    if (message === undefined) return value;
    out.push({ key, message });
    return undefined;
  };
  switch (f.kind) {
    case "custom":
      return f.read?.(v, key, out);
    case "words":
      return readWords(f, v, key, out);
    case "bool":
      return checked(booleanProblem(v), typeof v === "boolean" ? v : undefined);
    case "int":
      return checked(integerProblem(v, f), asInteger(v));
    case "size":
      return checked(sizeProblem(v), parseSize(v));
    case "enum":
      return checked(enumProblem(v, f.values ?? []), typeof v === "string" ? v : undefined);
    case "string":
      return checked(stringValue(f, v), typeof v === "string" ? v : undefined);
  }
}

/**
 * Reads `table` (at key path `path`) against `spec`: every field checked, required ones demanded, defaults
 * filled, keys neither in the spec nor in `extra` refused. Returns the values keyed by property name.
 */
export function readTable(o: {
  readonly table: Readonly<Record<string, unknown>>;
  readonly spec: TableSpec;
  readonly path: string;
  /** Keys the caller reads itself (sub-tables). */
  readonly extra?: readonly string[];
  /** Where the keys are, for the unknown-key message: "in [hosts.<name>]" by default. */
  readonly where?: string;
  readonly out: KeyProblem[];
}): Fields {
  const { table, spec, path, out } = o;
  const known = [...spec.fields.map((f) => f.key), ...(o.extra ?? [])];
  const values: Record<string, FieldValue | undefined> = {};
  for (const key of Object.keys(table))
    if (!known.includes(key)) out.push({ key: childKey(path, key), message: unknownKeyMessage(key, known, o.where ?? `in ${spec.header}`) });
  for (const f of spec.fields) {
    const v = table[f.key];
    const prop = propOf(f);
    if (v === undefined) {
      if (f.required) out.push({ key: childKey(path, f.key), message: `is required: ${f.description}` });
      values[prop] = f.default;
    } else values[prop] = readValue(f, v, childKey(path, f.key), out);
  }
  return values;
}

/** A string value of a read table. */
export function stringField(f: Fields, prop: string): string | undefined {
  const v = f[prop];
  return typeof v === "string" ? v : undefined;
}

/** A number value of a read table. */
export function numberField(f: Fields, prop: string): number | undefined {
  const v = f[prop];
  return typeof v === "number" ? v : undefined;
}

/** A string-list value of a read table. */
export function wordsField(f: Fields, prop: string): readonly string[] | undefined {
  const v = f[prop];
  return Array.isArray(v) && v.every((x): x is string => typeof x === "string") ? v : undefined;
}

/** An enum value of a read table, typed as one of `values`. */
export function enumField<T extends string>(f: Fields, prop: string, values: readonly T[]): T | undefined {
  const v = f[prop];
  return values.find((x) => x === v);
}
