// kiln.toml through the shared TOML schema: values, defaults, KILN_* and flag overrides, and every
// problem at once with its line.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { DEFAULT_LAYER_CACHE_MAX, loadConfig } from "../../src/config.js";
import { UserError, formatProblem } from "../../src/errors.js";

let tmp: string;
let n = 0;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-config-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A fresh directory holding `text` as kiln.toml (none when undefined). */
async function project(text?: string): Promise<string> {
  const dir = join(tmp, `p${n++}`);
  await mkdir(dir);
  if (text !== undefined) await writeFile(join(dir, "kiln.toml"), text);
  return dir;
}

/** The problems loadConfig reports, as printed, with the directory cut from file names. */
function problems(dir: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig({}, dir, env);
  } catch (e) {
    if (e instanceof UserError) return e.problems.map((p) => formatProblem(p).replace(`${dir}/`, ""));
    throw e;
  }
  return [];
}

test("without kiln.toml: the store and cache under .kiln, a 10 GiB layer cache", async () => {
  const dir = await project();
  expect(loadConfig({}, dir, {})).toEqual({
    root: dir,
    store: join(dir, ".kiln/store"),
    cache: join(dir, ".kiln/cache"),
    layerCacheMaxBytes: DEFAULT_LAYER_CACHE_MAX,
  });
  expect(DEFAULT_LAYER_CACHE_MAX).toBe(10 * 1024 ** 3);
});

test("kiln.toml's paths are taken from its directory; index_url as written; sizes in bytes", async () => {
  const dir = await project(
    'recipe = "r/x.toml"\nstore = "/srv/store"\nfind_links = "wheels"\nindex_url = "http://idx.example/simple"\nlayer_cache_max = "8G"\n',
  );
  expect(loadConfig({}, dir, {})).toMatchObject({
    recipe: join(dir, "r/x.toml"),
    store: "/srv/store",
    findLinks: join(dir, "wheels"),
    indexUrl: "http://idx.example/simple",
    layerCacheMaxBytes: 8 * 1024 ** 3,
  });
  for (const [v, bytes] of [
    ['"500M"', 500 * 1024 ** 2],
    ["1048576", 1048576],
  ] as const) {
    expect(loadConfig({}, await project(`layer_cache_max = ${v}\n`), {}).layerCacheMaxBytes).toBe(bytes);
  }
});

test("KILN_* variables override the file, flags override both", async () => {
  const dir = await project('store = "a"\ncache = "c"\nindex_url = "http://file"\nlayer_cache_max = "1G"\n');
  const env = { KILN_STORE: "b", KILN_INDEX_URL: "http://env", KILN_LAYER_CACHE_MAX: "2G" };
  expect(loadConfig({}, dir, env)).toMatchObject({ store: join(dir, "b"), cache: join(dir, "c"), indexUrl: "http://env", layerCacheMaxBytes: 2 * 1024 ** 3 });
  expect(loadConfig({ store: "/x", indexUrl: "http://flag" }, dir, env)).toMatchObject({ store: "/x", indexUrl: "http://flag" });
  expect(problems(dir, { KILN_LAYER_CACHE_MAX: "big" })).toEqual([
    'KILN_LAYER_CACHE_MAX: must be a size such as "500M", "8G" or a number of bytes, got string "big"',
  ]);
});

test("every problem at once, each with its line, in the shared wording", async () => {
  const dir = await project('stroe = "x"\ncache = 5\nlayer_cache_max = "lots"\nrecipe = ""\n');
  expect(problems(dir)).toEqual([
    'kiln.toml:1: stroe: unknown key "stroe" (allowed in kiln.toml: recipe, requirements, store, cache, find_links, index_url, layer_cache_max); did you mean "store"?',
    "kiln.toml:2: cache: must be a string, got integer 5",
    'kiln.toml:3: layer_cache_max: must be a size such as "500M", "8G" or a number of bytes, got string "lots"',
    "kiln.toml:4: recipe: must be a path, got an empty string",
  ]);
});

test("bad TOML names its line and column", async () => {
  const dir = await project('store = "x"\ncache = \n');
  expect(problems(dir)).toEqual([expect.stringMatching(/^kiln\.toml:2: not valid TOML \(column \d+\): /)]);
});
