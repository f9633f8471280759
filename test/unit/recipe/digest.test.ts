import { cp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loadRecipe, recipeDigest } from "../../../src/recipe/load.js";
import { MIN, tempDir, writeFiles } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir("recipe-digest")));
afterAll(() => cleanup());

const RECIPE = `${MIN}
[[checkout]]
name = "sim"
kind = "git"
url = "file:repos/sim.git"
dest = "/opt/sim"

[[file]]
src = "files/a.conf"
dest = "/etc/a.conf"
`;

/** Digest of the recipe at `rel` under the test dir. */
async function digestOf(rel: string): Promise<string> {
  return recipeDigest(await loadRecipe(join(dir, rel)));
}

test("the digest does not depend on where the project lives", async () => {
  await writeFiles(join(dir, "one"), { "r.toml": RECIPE, "files/a.conf": "a=1\n" });
  await cp(join(dir, "one"), join(dir, "elsewhere/two"), { recursive: true });
  const d = await digestOf("one/r.toml");
  expect(d).toMatch(/^[0-9a-f]{64}$/);
  expect(await digestOf("elsewhere/two/r.toml")).toBe(d);
});

test("editing a [[file]] source, or any value, changes the digest", async () => {
  await writeFiles(join(dir, "edit"), { "r.toml": RECIPE, "files/a.conf": "a=1\n" });
  const before = await digestOf("edit/r.toml");
  await writeFile(join(dir, "edit/files/a.conf"), "a=2\n");
  const edited = await digestOf("edit/r.toml");
  expect(edited).not.toBe(before);
  await writeFile(join(dir, "edit/r.toml"), RECIPE.replace('"1.0.0"', '"1.0.1"'));
  expect(await digestOf("edit/r.toml")).not.toBe(edited);
});

test("a recipe split with extends digests like the same recipe written out whole", async () => {
  await writeFiles(join(dir, "split"), {
    "child.toml": `extends = "parent.toml"\n[image]\nname = "y"\n`,
    "parent.toml": RECIPE,
    "whole.toml": RECIPE.replace('name = "x"', 'name = "y"'),
    "files/a.conf": "a=1\n",
  });
  expect(await digestOf("split/child.toml")).toBe(await digestOf("split/whole.toml"));
});
