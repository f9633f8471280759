// kiln.toml `layer_cache_max` / KILN_LAYER_CACHE_MAX: sizes with binary units or whole bytes, 10 GiB by
// default, 0 allowed (keep no layers), anything else refused naming the key.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../../../src/config.js";
import { UserError } from "../../../../src/errors.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const max = async (toml: string, env: NodeJS.ProcessEnv = {}): Promise<number> => {
  await writeFile(join(dir, "kiln.toml"), toml);
  return loadConfig({}, dir, env).layerCacheMaxBytes;
};

describe("layer_cache_max", () => {
  it("defaults to 10 GiB and reads sizes, whole bytes and 0; the environment wins", async () => {
    expect(await max("")).toBe(10 * 1024 ** 3);
    expect(await max('layer_cache_max = "8G"\n')).toBe(8 * 1024 ** 3);
    expect(await max('layer_cache_max = "500M"\n')).toBe(500 * 1024 ** 2);
    expect(await max("layer_cache_max = 1234\n")).toBe(1234);
    expect(await max("layer_cache_max = 0\n")).toBe(0);
    expect(await max('layer_cache_max = "8G"\n', { KILN_LAYER_CACHE_MAX: "0" })).toBe(0);
  });

  it.each([['layer_cache_max = "lots"\n'], ["layer_cache_max = -1\n"], ["layer_cache_max = 1.5\n"], ["layer_cache_max = true\n"]])(
    "refuses %s",
    async (toml) => {
      await expect(max(toml)).rejects.toThrow(UserError);
      await expect(max(toml)).rejects.toThrow(/layer_cache_max: must be a size such as "500M", "8G"/);
    },
  );

  it("refuses a bad KILN_LAYER_CACHE_MAX", async () => {
    await expect(max("", { KILN_LAYER_CACHE_MAX: "big" })).rejects.toThrow(/KILN_LAYER_CACHE_MAX/);
  });
});
