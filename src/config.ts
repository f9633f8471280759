// Project defaults: `kiln.toml` in the working directory (read through toml-schema/), overridden by
// KILN_* variables, overridden by flags.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UserError } from "./errors.js";
import { isDocument, parseTomlDocument, problemAt } from "./toml-schema/document.js";
import { type KeyProblem, numberField, readTable, stringField, type TableSpec } from "./toml-schema/table.js";
import { parseSize, sizeProblem } from "./toml-schema/values.js";

/** Resolved settings every command starts from. All paths are absolute. */
export interface Config {
  /** Directory kiln.toml was found in, or the working directory. */
  readonly root: string;
  /** Default recipe (may not exist; commands that need it say so). */
  readonly recipe?: string;
  /** Default pinned requirements file. */
  readonly requirements?: string;
  /** Content-addressed image store. */
  readonly store: string;
  /** Cache of fetched artifacts (debs, wheels, VCS mirrors). */
  readonly cache: string;
  /** Where `kiln fetch` takes wheels from: a directory of wheels ... */
  readonly findLinks?: string;
  /** ... or a PEP 503 index URL. */
  readonly indexUrl?: string;
  /** Most bytes the bake's layer cache keeps (`layer_cache_max`, KILN_LAYER_CACHE_MAX). */
  readonly layerCacheMaxBytes: number;
}

/** Flags that override the file and the environment. */
export interface ConfigOverrides {
  readonly recipe?: string;
  readonly requirements?: string;
  readonly store?: string;
  readonly cache?: string;
  readonly findLinks?: string;
  readonly indexUrl?: string;
}

/** Default layer cache bound: 10 GiB. */
export const DEFAULT_LAYER_CACHE_MAX = 10 * 2 ** 30;

/** Refuses an empty path (it would silently mean the project directory). */
function pathProblem(s: string): string | undefined {
  return s === "" ? "must be a path, got an empty string" : undefined;
}

/** What kiln.toml may hold. Paths are relative to the file's directory. */
export const CONFIG_TABLE: TableSpec = {
  header: "kiln.toml",
  description: "Project defaults.",
  fields: [
    { key: "recipe", kind: "string", check: pathProblem, description: "Default recipe." },
    { key: "requirements", kind: "string", check: pathProblem, description: "Default pinned requirements file." },
    { key: "store", kind: "string", check: pathProblem, description: "Image store (default .kiln/store)." },
    { key: "cache", kind: "string", check: pathProblem, description: "Artifact cache (default .kiln/cache)." },
    { key: "find_links", prop: "findLinks", kind: "string", check: pathProblem, description: "Directory of wheels for kiln fetch." },
    { key: "index_url", prop: "indexUrl", kind: "string", description: "PEP 503 index URL for kiln fetch." },
    { key: "layer_cache_max", prop: "layerCacheMax", kind: "size", description: 'Most bytes the layer cache keeps: "8G", "500M" or bytes (default 10G).' },
  ],
};

/** kiln.toml's values (property → value), or an empty table when there is no file. */
function readConfigFile(file: string): ReturnType<typeof readTable> {
  if (!existsSync(file)) return {};
  const d = parseTomlDocument(readFileSync(file, "utf8"), file);
  if (!isDocument(d)) throw new UserError(d);
  const out: KeyProblem[] = [];
  const values = readTable({ table: d.doc, spec: CONFIG_TABLE, path: "", where: "in kiln.toml", out });
  const problems = out.map((p) => problemAt(d, p.key, p.message)).sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  if (problems.length) throw new UserError(problems);
  return values;
}

/** The layer cache bound: KILN_LAYER_CACHE_MAX, else kiln.toml, else 10 GiB. */
function layerCacheMax(env: NodeJS.ProcessEnv, fromFile: number | undefined): number {
  const e = env.KILN_LAYER_CACHE_MAX;
  if (!e) return fromFile ?? DEFAULT_LAYER_CACHE_MAX;
  const bytes = parseSize(e);
  if (bytes === undefined) throw new UserError({ key: "KILN_LAYER_CACHE_MAX", message: sizeProblem(e) ?? "must be a size" });
  return bytes;
}

/** Loads kiln.toml from `cwd` (if present) and applies KILN_* and flag overrides. */
export function loadConfig(overrides: ConfigOverrides = {}, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Config {
  const file = resolve(cwd, "kiln.toml");
  const fromFile = readConfigFile(file);
  const root = dirname(file);
  const pick = (flag: string | undefined, envName: string, prop: string): string | undefined => {
    if (flag) return resolve(cwd, flag);
    const e = env[envName];
    if (e) return resolve(cwd, e);
    const f = stringField(fromFile, prop);
    return f === undefined ? undefined : resolve(root, f);
  };
  return {
    root,
    recipe: pick(overrides.recipe, "KILN_RECIPE", "recipe"),
    requirements: pick(overrides.requirements, "KILN_REQUIREMENTS", "requirements"),
    store: pick(overrides.store, "KILN_STORE", "store") ?? resolve(root, ".kiln/store"),
    cache: pick(overrides.cache, "KILN_CACHE", "cache") ?? resolve(root, ".kiln/cache"),
    findLinks: pick(overrides.findLinks, "KILN_FIND_LINKS", "findLinks"),
    // A URL, not a path: taken as written.
    indexUrl: overrides.indexUrl ?? env.KILN_INDEX_URL ?? stringField(fromFile, "indexUrl"),
    layerCacheMaxBytes: layerCacheMax(env, numberField(fromFile, "layerCacheMax")),
  };
}
