// Merges a recipe with the ones it extends. Scalars (and arrays without an `append` rule): the most
// derived file wins. Appended arrays and [[entries]]: the parent's first, then the child's; an element
// with the same identity (package name, unit, checkout name, file dest) replaces the parent's in place.
// Every merged value remembers the file and key it came from, for messages.
import { isTable } from "../toml-schema/values.js";
import { INVALID, type CheckedLayer } from "./check.js";
import type { Layer } from "./layer.js";
import { SECTIONS } from "./schema.js";
import { elementKey, type FieldSpec } from "./spec.js";

/** A value and where it was written. */
export interface Located {
  readonly value: unknown;
  readonly layer: Layer;
  /** Key path within that layer, e.g. `checkout[0]` or `apt.packages[3]`. */
  readonly key: string;
}

export interface Merged {
  /** Tables and arrays of tables present anywhere in the chain, at their most derived occurrence. */
  readonly sections: ReadonlyMap<string, Located>;
  /** `section.field` → value, for fields that override. */
  readonly values: ReadonlyMap<string, Located>;
  /** `section.field` (appended arrays) or `section` (arrays of tables) → elements in order. */
  readonly lists: ReadonlyMap<string, readonly Located[]>;
}

/** Appends `items` to `list`, an item replacing the earlier one with the same identity. */
function appendInto(list: Located[], items: readonly Located[], identity?: (v: unknown) => string | undefined): void {
  for (const item of items) {
    const id = identity?.(item.value);
    const at = id === undefined ? -1 : list.findIndex((x) => identity?.(x.value) === id);
    if (at >= 0) list[at] = item;
    else list.push(item);
  }
}

/** Located elements of a cleaned array, skipping the bad ones. */
function elements(arr: readonly unknown[], layer: Layer, key: string): Located[] {
  return arr.flatMap((value, n) => (value === INVALID ? [] : [{ value, layer, key: `${key}[${n}]` }]));
}

/** Identity function of an appended field, if it has one. */
function fieldIdentity(f: FieldSpec): ((v: unknown) => string) | undefined {
  const k = f.append?.key;
  return k ? (v) => elementKey(k, v) : undefined;
}

/** The string at `key` of a table entry, if the entry is a table and the value a string. */
function stringAt(e: unknown, key: string): string | undefined {
  const v = isTable(e) ? e[key] : undefined;
  return typeof v === "string" ? v : undefined;
}

/** Merges checked layers, given outermost parent first and the recipe being loaded last. */
export function mergeLayers(layers: readonly CheckedLayer[]): Merged {
  const sections = new Map<string, Located>();
  const values = new Map<string, Located>();
  const lists = new Map<string, Located[]>();
  const listOf = (k: string): Located[] => lists.get(k) ?? lists.set(k, []).get(k) ?? [];
  for (const { layer, doc } of layers) {
    for (const sec of SECTIONS) {
      const v = doc[sec.key];
      if (v === undefined) continue;
      sections.set(sec.key, { value: v, layer, key: sec.key });
      if (sec.kind === "array-of-tables" && Array.isArray(v)) {
        const id = sec.identity;
        const identity = id ? (e: unknown) => stringAt(e, id) : undefined;
        appendInto(listOf(sec.key), elements(v, layer, sec.key), identity);
      } else if (sec.kind === "table" && isTable(v)) {
        for (const f of sec.fields) {
          const x = v[f.key];
          const key = `${sec.key}.${f.key}`;
          if (x === undefined) continue;
          // A bad value is kept as INVALID so that build neither converts it nor calls it missing.
          if (f.append && Array.isArray(x)) appendInto(listOf(key), elements(x, layer, key), fieldIdentity(f));
          else values.set(key, { value: x, layer, key });
        }
      }
    }
  }
  return { sections, values, lists };
}
