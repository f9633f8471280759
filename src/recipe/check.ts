// Checks one recipe file against the schema on its own: unknown keys, types, formats, required keys of
// each [[entry]], duplicates within the file. Returns every problem and a copy of the document in which
// each bad value is replaced by INVALID, so the later steps (merge, build) neither trip over it nor
// report it a second time.
import type { Problem } from "../errors.js";
import { problemAt } from "../toml-schema/document.js";
import { describeValue, isTable, unknownKeyMessage } from "../toml-schema/values.js";
import { KINDS } from "./kinds.js";
import type { Layer } from "./layer.js";
import { SECTIONS, TOP_FIELDS, TOP_KEYS } from "./schema.js";
import { elementKey, type FieldSpec, type SectionSpec } from "./spec.js";
import { quoteInput } from "../util/quote.js";

/** Stands in for a value that already has a problem reported. */
export const INVALID: unique symbol = Symbol("invalid");

export type CleanTable = Readonly<Record<string, unknown>>;

export interface CheckedLayer {
  readonly layer: Layer;
  /** The document with bad values replaced by INVALID (tables stay tables, arrays stay arrays). */
  readonly doc: CleanTable;
}

/** Checks one layer; every problem is collected. */
export function checkLayer(layer: Layer): { readonly checked: CheckedLayer; readonly problems: readonly Problem[] } {
  const problems: Problem[] = [];
  const report = (key: string, message: string): void => {
    problems.push(problemAt(layer, key, message));
  };

  /** Checks one field's value; returns it cleaned. */
  const field = (f: FieldSpec, v: unknown, key: string): unknown => {
    const issues = KINDS[f.kind].check(v, f, layer.dir);
    for (const i of issues) report(`${key}${i.at}`, i.message);
    if (issues.some((i) => i.at === "")) return INVALID;
    if (!Array.isArray(v)) return v;
    const badIdx = new Set(issues.map((i) => Number(/^\[(\d+)\]/.exec(i.at)?.[1])));
    const clean = v.map((x, n) => (badIdx.has(n) ? INVALID : x));
    return f.append?.key ? dropDuplicates(clean, key, (x) => elementKey(f.append?.key ?? "value", x)) : clean;
  };

  /** Reports and replaces the second and later elements that share a key. */
  const dropDuplicates = (items: readonly unknown[], key: string, keyOf: (x: unknown) => string | undefined, what = ""): unknown[] => {
    const first = new Map<string, number>();
    return items.map((x, n) => {
      const k = x === INVALID ? undefined : keyOf(x);
      if (k === undefined) return x;
      const prev = first.get(k);
      if (prev === undefined) {
        first.set(k, n);
        return x;
      }
      const line = layer.locate(`${key}[${prev}]`);
      report(`${key}[${n}]${what}`, `${quoteInput(k)} is listed twice (first as ${key}[${prev}]${line ? ` on line ${line}` : ""}); remove one`);
      return INVALID;
    });
  };

  /** Checks a table's keys against a section's fields. */
  const table = (sec: SectionSpec, t: Record<string, unknown>, path: string, entry: boolean): CleanTable => {
    const out: Record<string, unknown> = {};
    const allowed = sec.fields.map((f) => f.key);
    for (const [k, v] of Object.entries(t)) {
      const f = sec.fields.find((x) => x.key === k);
      if (f) out[k] = field(f, v, `${path}.${k}`);
      else report(`${path}.${k}`, unknownKeyMessage(k, allowed, entry ? `in [[${sec.key}]]` : `in [${sec.key}]`));
    }
    if (!entry) return out;
    for (const f of sec.fields)
      if (f.required && !(f.key in t)) report(`${path}.${f.key}`, `missing: every [[${sec.key}]] needs ${f.key} (e.g. ${f.key} = ${f.example})`);
    for (const r of sec.rules ?? []) {
      const v = out[r.field] ?? sec.fields.find((x) => x.key === r.field)?.default;
      if (out[r.when.key] === r.when.equals && typeof v === "string" && !new RegExp(r.pattern, "u").test(v)) {
        report(`${path}.${r.field}`, `must be ${r.what}, got ${quoteInput(v)}`);
        out[r.field] = INVALID;
      }
    }
    return out;
  };

  /** Checks one section: a table, or an array of tables. */
  const section = (sec: SectionSpec, v: unknown): unknown => {
    if (sec.kind === "table") {
      if (isTable(v)) return table(sec, v, sec.key, false);
      report(sec.key, `must be a table: write [${sec.key}] once, got ${describeValue(v)}`);
      return INVALID;
    }
    if (!Array.isArray(v) || !v.every(isTable)) {
      report(sec.key, `must be an array of tables: write [[${sec.key}]] before each entry, got ${describeValue(v)}`);
      return INVALID;
    }
    const entries = v.map((t, n) => table(sec, t, `${sec.key}[${n}]`, true));
    const id = sec.identity;
    if (!id) return entries;
    const idOf = (e: unknown): string | undefined => {
      const x = isTable(e) ? e[id] : undefined;
      return typeof x === "string" ? x : undefined;
    };
    return dropDuplicates(entries, sec.key, idOf, `.${id}`);
  };

  const doc: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(layer.doc)) {
    const top = TOP_FIELDS.find((f) => f.key === k);
    const sec = SECTIONS.find((s) => s.key === k);
    if (top) doc[k] = field(top, v, k);
    else if (sec) doc[k] = section(sec, v);
    else report(k, unknownKeyMessage(k, TOP_KEYS, "at the top of a recipe"));
  }
  return { checked: { layer, doc }, problems };
}
