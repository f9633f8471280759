// Loads a recipe: reads it and everything it `extends`, checks each file against the schema, merges
// them, fills defaults and checks the cross-section rules. Every problem in every file is reported at
// once as one UserError (`recipes/x.toml:LINE: key.path: message`, exit 2).
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError, type Problem } from "../errors.js";
import { canonicalJson } from "../util/canonical-json.js";
import { sha256Hex } from "../util/hash.js";
import { buildRecipe } from "./build.js";
import { checkLayer } from "./check.js";
import { isDocument, problemAt } from "../toml-schema/document.js";
import { displayPath } from "../util/display-path.js";
import { readLayer, type Layer } from "./layer.js";
import { mergeLayers, type Merged } from "./merge.js";
import { crossCheck } from "./rules.js";
import type { Recipe } from "./types.js";

/** Where each value of a loaded recipe came from, for problemIn(). */
const origins = new WeakMap<Recipe, { readonly merged: Merged; readonly leaf: Layer }>();

/** Loads, validates and merges the recipe at `path`. Throws UserError listing every problem. */
export async function loadRecipe(path: string): Promise<Recipe> {
  const file = resolve(path);
  const problems: Problem[] = [];
  const chain = await readChain(file, problems);
  // Merging after a file failed to parse would report keys "missing" that are only unreadable.
  const readFailed = problems.length > 0;
  const checked = chain.map((layer) => {
    const r = checkLayer(layer);
    problems.push(...r.problems);
    return r.checked;
  });
  const leaf = chain[0];
  if (leaf && !readFailed) {
    const merged = mergeLayers([...checked].reverse());
    const { recipe, problems: built } = buildRecipe(
      merged,
      leaf,
      chain.slice(1).map((l) => l.file),
    );
    problems.push(...built, ...crossCheck(merged));
    if (recipe && !problems.length) {
      origins.set(recipe, { merged, leaf });
      return recipe;
    }
  }
  throw new UserError(sortProblems(problems, chain));
}

/** Reads the recipe and the chain of files it extends, leaf first; refuses cycles. */
async function readChain(file: string, problems: Problem[]): Promise<Layer[]> {
  const chain: Layer[] = [];
  for (let next: string | undefined = file; next; ) {
    const layer = await readLayer(next);
    if (!isDocument(layer)) {
      problems.push(layer);
      break;
    }
    chain.push(layer);
    const ext = layer.doc.extends;
    next = undefined;
    // A bad `extends` value is reported by checkLayer; only a good one is followed.
    if (typeof ext !== "string" || isAbsolute(ext) || !ext.endsWith(".toml") || !isFile(resolve(layer.dir, ext))) break;
    const parent = resolve(layer.dir, ext);
    if (chain.some((l) => l.file === parent)) {
      const cycle = [...chain.map((l) => displayPath(l.file)), displayPath(parent)].join(" → ");
      problems.push(problemAt(layer, "extends", `extends cycle: ${cycle}; a recipe cannot build on itself`));
      break;
    }
    next = parent;
  }
  return chain;
}

/** True when `p` is an existing regular file. */
function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Orders problems by file (the loaded recipe first), then line. */
function sortProblems(problems: readonly Problem[], chain: readonly Layer[]): Problem[] {
  const rank = (p: Problem): number => {
    const n = chain.findIndex((l) => displayPath(l.file) === p.file);
    return n < 0 ? chain.length : n;
  };
  return [...problems].sort((a, b) => rank(a) - rank(b) || (a.line ?? Infinity) - (b.line ?? Infinity));
}

/**
 * A Problem about a loaded recipe, placed in the file and on the line where the value was written.
 * `key` is a TOML key path of the merged recipe, e.g. `checkout[1].url` (index into recipe.checkouts),
 * `python.requirements`, `services.enable[0]`.
 */
export function problemIn(recipe: Recipe, key: string, message: string): Problem {
  const o = origins.get(recipe);
  if (!o) return { file: displayPath(recipe.path), key, message };
  const m = /^(.+?)\[(\d+)\](.*)$/.exec(key);
  const el = m ? o.merged.lists.get(m[1] ?? "")?.[Number(m[2])] : undefined;
  if (el) return problemAt(el.layer, `${el.key}${m?.[3] ?? ""}`, message);
  const loc = o.merged.values.get(key) ?? o.merged.sections.get(key.split(/[.[]/)[0] ?? "");
  return problemAt(loc?.layer ?? o.leaf, key, message);
}

/**
 * Directory of the recipe file that wrote element `index` of list `list` (e.g. "file"): host paths in
 * it are confined there. The loaded recipe's own directory when the recipe was not made by loadRecipe.
 */
export function declaringDir(recipe: Recipe, list: string, index: number): string {
  return origins.get(recipe)?.merged.lists.get(list)?.[index]?.layer.dir ?? dirname(recipe.path);
}

/** The pinned requirements file: an explicit one (flag, KILN_REQUIREMENTS, kiln.toml), else the recipe's. */
export function requirementsFileOf(recipe: Recipe, explicit?: string): string | undefined {
  if (explicit) return resolve(explicit);
  const rel = recipe.python?.requirements;
  return rel ? resolve(dirname(recipe.path), rel) : undefined;
}

/** A `file://` URL as a path relative to `dir`, so digests do not depend on where the project lives. */
export function portableUrl(url: string, dir: string): string {
  return url.startsWith("file://") ? `file:${relative(dir, fileURLToPath(url))}` : url;
}

/**
 * sha256 (hex) of everything a recipe means: the resolved recipe as canonical JSON plus the sha256 of
 * every [[file]] source. Paths enter relative to the recipe's directory, never as absolute paths, so the
 * digest is the same wherever the project is checked out. The recipe's own path and the names of the
 * files it extends are left out: only what they resolve to matters.
 */
export function recipeDigest(recipe: Recipe): string {
  const dir = dirname(recipe.path);
  const { path: _path, extends: _extends, ...meaning } = recipe;
  const checkouts = recipe.checkouts.map((c) => ({ ...c, url: portableUrl(c.url, dir) }));
  const fileSha256 = Object.fromEntries(recipe.files.map((f) => [f.src, sha256Hex(readFileSync(resolve(dir, f.src)))]));
  return sha256Hex(canonicalJson({ digestVersion: 1, recipe: { ...meaning, checkouts }, fileSha256 }));
}
