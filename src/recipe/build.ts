// Turns the merged recipe chain into the typed Recipe: fills defaults, converts values (modes to
// numbers, `name=version` to AptPackage, relative paths onto the loaded recipe's directory, `file:`
// URLs to absolute ones), and reports required tables and keys that no file in the chain gave.
import type { Problem } from "../errors.js";
import { isTable } from "../toml-schema/values.js";
import { INVALID } from "./check.js";
import type { ConvertContext } from "./formats.js";
import { convertItem, convertValue } from "./kinds.js";
import { problemAt } from "../toml-schema/document.js";
import type { Layer } from "./layer.js";
import type { Located, Merged } from "./merge.js";
import { SECTIONS } from "./schema.js";
import type { FieldSpec, SectionSpec } from "./spec.js";
import { propOf } from "../toml-schema/table.js";
import type { Recipe } from "./types.js";

/** Context for converting a value written in `layer` while loading `leaf`. */
function ctxOf(layer: Layer, leaf: Layer): ConvertContext {
  return { dir: layer.dir, leafDir: leaf.dir };
}

/** Builds the Recipe from merged layers; `leaf` is the file being loaded, `parents` the files it extends. */
export function buildRecipe(merged: Merged, leaf: Layer, parents: readonly string[]): { readonly recipe?: Recipe; readonly problems: readonly Problem[] } {
  const problems: Problem[] = [];
  const out: Record<string, unknown> = { path: leaf.file, extends: parents };
  for (const sec of SECTIONS) {
    const present = merged.sections.get(sec.key);
    if (!present && sec.required) {
      const needs = sec.fields.filter((f) => f.required).map((f) => f.key);
      problems.push(problemAt(leaf, sec.key, `missing table [${sec.key}]: every recipe (or one it extends) needs it, with ${needs.join(", ")}`));
      continue;
    }
    if ((!present && sec.optional) || present?.value === INVALID) continue;
    if (sec.kind === "table") out[propOf(sec)] = table(sec, merged, leaf, problems);
    else out[propOf(sec)] = (merged.lists.get(sec.key) ?? []).map((e) => entry(sec, e, leaf));
  }
  return { recipe: !problems.length && isBuilt(out) ? out : undefined, problems };
}

/**
 * The invariant build relies on: with no problem reported, every value was checked by its kind and every
 * section the Recipe type requires was built (as a table, or a list of entries). Checks the sections.
 */
function isBuilt(o: Record<string, unknown>): o is Record<string, unknown> & Recipe {
  return (
    typeof o.path === "string" &&
    SECTIONS.every((sec) => {
      const v = o[propOf(sec)];
      return sec.kind === "table" ? isTable(v) || (sec.optional === true && v === undefined) : Array.isArray(v);
    })
  );
}

/** One `[table]`: each field's most derived value, its appended list, or its default. */
function table(sec: SectionSpec, merged: Merged, leaf: Layer, problems: Problem[]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const f of sec.fields) {
    const key = `${sec.key}.${f.key}`;
    const loc = merged.values.get(key);
    const list = merged.lists.get(key);
    if (f.append && list) obj[propOf(f)] = list.map((e) => convertItem(e.value, f, ctxOf(e.layer, leaf)));
    else if (loc) {
      if (loc.value !== INVALID) obj[propOf(f)] = convertValue(f, loc.value, ctxOf(loc.layer, leaf));
    } else if (f.required) problems.push(problemAt(leaf, key, `missing: [${sec.key}] needs ${f.key} (e.g. ${f.key} = ${f.example})`));
    else setDefault(obj, f, leaf);
  }
  return obj;
}

/** One `[[entry]]`, with defaults filled (its required keys were checked with its file). */
function entry(sec: SectionSpec, e: Located, leaf: Layer): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  const t = isTable(e.value) ? e.value : {};
  for (const f of sec.fields) {
    const v = t[f.key];
    if (v === undefined) setDefault(obj, f, leaf);
    else if (v !== INVALID) obj[propOf(f)] = convertValue(f, v, ctxOf(e.layer, leaf));
  }
  return obj;
}

/** Fills a field's default, if it has one. */
function setDefault(obj: Record<string, unknown>, f: FieldSpec, leaf: Layer): void {
  if (f.default !== undefined) obj[propOf(f)] = convertValue(f, f.default, ctxOf(leaf, leaf));
}
