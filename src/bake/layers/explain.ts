// --explain: why stages ran. Each entry stores the key objects of its stage and those before it, and of
// the stages after it in the bake that made it; ours are compared with every entry's, and the nearest
// (fewest differing fields, deepest) is named with each field that changed, old → new: what changed
// since the last bake that went as far as (or further than) this one resumed.
import type { StageKey } from "./keys.js";
import { listLayers, readLayerKey } from "./store.js";

/** Flattens a key object to `path → JSON value`; array items are named by their `name` or `dest` when they have one. */
export function flattenKey(v: unknown, at = "", out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(v)) {
    if (v.length === 0) out.set(at, "[]");
    v.forEach((x, i) => {
      const named =
        x !== null && typeof x === "object" && !Array.isArray(x) ? ((x as Record<string, unknown>).name ?? (x as Record<string, unknown>).dest) : undefined;
      flattenKey(x, `${at}[${typeof named === "string" ? named : i}]`, out);
    });
  } else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) if (k !== "parent") flattenKey(x, at ? `${at}.${k}` : k, out);
  } else out.set(at, JSON.stringify(v));
  return out;
}

/** The fields that differ between two key objects: `field: old → new` (added/removed shown as absent). */
export function keyChanges(a: unknown, b: unknown): string[] {
  const fa = flattenKey(a);
  const fb = flattenKey(b);
  const fields = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  return fields.filter((f) => fa.get(f) !== fb.get(f)).map((f) => `${f}: ${show(fa.get(f))} → ${show(fb.get(f))}`);
}

/** A value as JSON (control characters already escaped by JSON), cut when long. */
function show(v: string | undefined): string {
  if (v === undefined) return "(absent)";
  return v.length > 100 ? `${v.slice(0, 97)}…` : v;
}

/** The changes from a stored chain to ours over the stages it covers, each line prefixed by its stage. */
function chainChanges(stored: readonly Readonly<Record<string, unknown>>[], ours: readonly StageKey[]): string[] {
  return stored.flatMap((k, i) => keyChanges(k, ours[i]?.key).map((l) => `${ours[i]?.stage ?? k.stage}: ${l}`));
}

/**
 * Lines naming what changed since the nearest earlier bake (the entry whose stored keys differ from ours
 * in the fewest fields, the deepest on a tie), for a bake that resumed after `resumed` stages (0: cold).
 */
export async function explainMiss(cache: string, keys: readonly StageKey[], resumed: number): Promise<string[]> {
  let best: { changes: string[]; stage: string; depth: number } | undefined;
  for (const e of await listLayers(cache)) {
    const k = await readLayerKey(e.dir);
    if (!k) continue;
    const changes = chainChanges([...k.chain, ...(k.later ?? [])], keys);
    const depth = k.chain.length;
    if (!best || changes.length < best.changes.length || (changes.length === best.changes.length && depth > best.depth))
      best = { changes, stage: k.stage, depth };
  }
  const after = resumed ? `after stage '${keys[resumed - 1]?.stage}'` : "from scratch";
  if (!best) return [`layer cache: ran ${after}; no earlier bake to compare with`];
  if (!best.changes.length) return [`layer cache: ran ${after}; the inputs are those of an earlier bake (--force)`];
  return [`layer cache: ran ${after}; the nearest earlier bake (entry '${best.stage}') differs in:`, ...best.changes.map((l) => `  ${l}`)];
}
