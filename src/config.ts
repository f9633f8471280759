// Project defaults: `kiln.toml` in the working directory, overridden by KILN_* variables, overridden by flags.
import TOML from "@iarna/toml";
import { existsSync, readFileSync } from "node:fs";
import { resolve, dirname } from "node:path";
import { UserError } from "./errors.js";
import { escapeControls, quoteInput } from "./util/quote.js";
import { parseSize } from "./vm/size.js";

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
  /** Bytes the bake's layer cache (<cache>/layers) may hold, least recently used evicted first; 0 keeps none. */
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

const KEYS = new Set(["recipe", "requirements", "store", "cache", "find_links", "index_url", "layer_cache_max"]);

/** The layer cache's default bound: 10 GiB. */
export const DEFAULT_LAYER_CACHE_MAX = 10 * 1024 ** 3;

/** Reads a size: whole bytes, or `500M`, `8G`, `1.5GiB` (binary units); 0 is allowed (keep no layers). */
function parseByteSize(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== "string") return undefined;
  return v.trim() === "0" ? 0 : parseSize(v);
}

/** Loads kiln.toml from `cwd` (if present) and applies KILN_* and flag overrides. */
export function loadConfig(overrides: ConfigOverrides = {}, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Config {
  const file = resolve(cwd, "kiln.toml");
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fromFile = TOML.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (e) {
      const err = e as { line?: number; message: string };
      throw new UserError({
        file: "kiln.toml",
        line: typeof err.line === "number" ? err.line + 1 : undefined,
        message: `not valid TOML: ${escapeControls((err.message.split("\n")[0] ?? "").slice(0, 200))}`,
      });
    }
    const problems = Object.entries(fromFile).flatMap(([k, v]) =>
      !KEYS.has(k)
        ? [{ file: "kiln.toml", key: k, message: `unknown key ${quoteInput(k)} (allowed: ${[...KEYS].join(", ")})` }]
        : k === "layer_cache_max"
          ? parseByteSize(v) === undefined
            ? [{ file: "kiln.toml", key: k, message: `must be a size such as "8G" or "500M", or whole bytes, got ${quoteInput(String(v))}` }]
            : []
          : typeof v !== "string"
            ? [{ file: "kiln.toml", key: k, message: `must be a string path, got ${typeof v}` }]
            : [],
    );
    if (problems.length) throw new UserError(problems);
  }
  const root = dirname(file);
  const pick = (flag: string | undefined, envName: string, key: string): string | undefined => {
    if (flag) return resolve(cwd, flag);
    const e = env[envName];
    if (e) return resolve(cwd, e);
    const f = fromFile[key];
    return typeof f === "string" ? resolve(root, f) : undefined;
  };
  const envMax = env.KILN_LAYER_CACHE_MAX;
  const layerCacheMaxBytes = envMax ? parseByteSize(envMax) : undefined;
  if (envMax && layerCacheMaxBytes === undefined)
    throw new UserError({ key: "KILN_LAYER_CACHE_MAX", message: `must be a size such as "8G" or "500M", or whole bytes, got ${quoteInput(envMax)}` });
  return {
    root,
    recipe: pick(overrides.recipe, "KILN_RECIPE", "recipe"),
    requirements: pick(overrides.requirements, "KILN_REQUIREMENTS", "requirements"),
    store: pick(overrides.store, "KILN_STORE", "store") ?? resolve(root, ".kiln/store"),
    cache: pick(overrides.cache, "KILN_CACHE", "cache") ?? resolve(root, ".kiln/cache"),
    findLinks: pick(overrides.findLinks, "KILN_FIND_LINKS", "find_links"),
    // A URL, not a path: taken as written.
    indexUrl: overrides.indexUrl ?? env.KILN_INDEX_URL ?? (typeof fromFile.index_url === "string" ? fromFile.index_url : undefined),
    layerCacheMaxBytes: layerCacheMaxBytes ?? parseByteSize(fromFile.layer_cache_max) ?? DEFAULT_LAYER_CACHE_MAX,
  };
}
