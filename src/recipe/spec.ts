// The shape of the recipe schema: what a field and a section say about themselves. schema.ts holds the
// recipe's tables in this shape; kinds.ts says what each FieldKind means.
import type { FieldBase } from "../toml-schema/table.js";
import type { FormatName } from "./formats.js";

/** How a field's TOML value is checked and turned into its Recipe value (see kinds.ts). */
export type FieldKind =
  | "string"
  | "int"
  | "bool"
  | "string-array"
  | "argv-array"
  | "argv-list"
  | "enum"
  | "semver"
  | "abs-path-in-image"
  | "relative-path"
  | "project-file"
  | "octal-mode"
  | "owner";

/** A TOML value as a default or example is written in a recipe. */
export type TomlValue = string | number | boolean | readonly string[];

/** How an element's identity is computed for "child replaces parent" and "no duplicates" rules. */
export type MergeKey = "value" | "package-name";

/** A recipe field: the shared description (key, prop, kind, bounds, values) plus what recipes add. */
export interface FieldSpec extends FieldBase<FieldKind> {
  /** Value used when the key is absent, written as in TOML. */
  readonly default?: TomlValue;
  /** Extra rule for a string, or for every element of a string array. */
  readonly format?: FormatName;
  /** A string array must have at least one element. */
  readonly nonEmpty?: boolean;
  /** A relative path that must name an existing file when the recipe is loaded. */
  readonly mustExist?: boolean;
  /** With `extends`: arrays are appended to the parent's instead of replacing them. */
  readonly append?: { readonly key?: MergeKey };
  /** Right-hand side of `key = …` for the docs' examples (valid TOML). */
  readonly example: string;
}

export interface SectionSpec {
  /** Key as written in TOML: `[image]` or `[[checkout]]`. */
  readonly key: string;
  /** Property name in the Recipe type, when it differs. */
  readonly prop?: string;
  readonly kind: "table" | "array-of-tables";
  readonly description: string;
  /** Every recipe (after `extends`) must have this table. */
  readonly required?: boolean;
  /** The Recipe property is left out when no recipe in the chain has the table. */
  readonly optional?: boolean;
  /** Array of tables: the field naming an entry; a child's entry with the same value replaces the parent's. */
  readonly identity?: string;
  readonly fields: readonly FieldSpec[];
  /** Array of tables: rules that tie one field to another within an entry. */
  readonly rules?: readonly EntryRule[];
}

/** "When field `when.key` is `when.equals`, field `field` must match `pattern`." */
export interface EntryRule {
  readonly when: { readonly key: string; readonly equals: string };
  readonly field: string;
  readonly pattern: string;
  /** Noun phrase for the message: `must be <what>`. */
  readonly what: string;
}

/** The identity of an appended array element: the element itself, or a package's name without `=version`. */
export function elementKey(key: MergeKey, v: unknown): string {
  const s = String(v);
  return key === "package-name" ? (s.split("=")[0] ?? s) : s;
}
