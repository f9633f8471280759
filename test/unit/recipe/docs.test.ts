import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, test } from "vitest";
import { REGENERATE, exampleToml, renderRecipeJsonSchema, renderRecipeMarkdown } from "../../../src/recipe/docs.js";
import { loadRecipe } from "../../../src/recipe/load.js";
import { SECTIONS, TOP_KEYS } from "../../../src/recipe/schema.js";
import { tempDir, writeFiles } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir("recipe-docs")));
afterAll(() => cleanup());

test.each([
  ["docs/recipe.md", renderRecipeMarkdown],
  ["docs/recipe.schema.json", renderRecipeJsonSchema],
])("%s is what the schema generates", async (file, render) => {
  const committed = await readFile(file, "utf8");
  expect(committed === render(), `${file} is out of date with src/recipe/schema.ts: run ${REGENERATE}`).toBe(true);
});

test("the JSON schema lists exactly the recipe's keys and refuses others", () => {
  const schema = JSON.parse(renderRecipeJsonSchema()) as {
    additionalProperties: boolean;
    properties: Record<string, { items?: { additionalProperties: boolean } }>;
  };
  expect(schema.additionalProperties).toBe(false);
  expect(Object.keys(schema.properties).sort()).toEqual([...TOP_KEYS].sort());
  expect(schema.properties.checkout?.items?.additionalProperties).toBe(false);
});

test("the examples in the docs, put together, are a valid recipe", async () => {
  const text = SECTIONS.map(exampleToml).join("\n\n");
  const path = await writeFiles(dir, { "example.toml": text, "files/devsim.service": "[Unit]\n" });
  const r = await loadRecipe(path);
  expect(r.checkouts[0]?.install).toBe("pip");
  expect(r.files[0]?.mode).toBe(0o644);
});
