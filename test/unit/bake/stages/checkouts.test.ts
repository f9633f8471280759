// Which stage places each checkout: before the pip layer the ones it builds or that hold or sit in the
// venv, after it all the others (so their new revisions do not redo the pip layer).
import { beforeAll, expect, it } from "vitest";
import { join } from "node:path";
import { checkoutsOf } from "../../../../src/bake/stages/checkouts.js";
import { loadRecipe } from "../../../../src/recipe/load.js";
import type { Recipe } from "../../../../src/recipe/types.js";
import { repoRoot } from "../../../support/kiln.js";

let recipe: Recipe;
beforeAll(async () => {
  recipe = await loadRecipe(join(repoRoot, "recipes/cam-node.toml"));
});

const names = (r: Pick<Recipe, "checkouts" | "python">, phase: "pip" | "rest") => checkoutsOf(r, phase).map((c) => c.name);
const moved = (dest: string) => ({ ...recipe, checkouts: recipe.checkouts.map((c) => (c.name === "devsim" ? { ...c, dest } : c)) });

it("places pip-built checkouts before the pip layer and the others after it", () => {
  expect(names(recipe, "pip")).toEqual(["katpkg"]);
  expect(names(recipe, "rest")).toEqual(["devsim"]);
});

it("places a checkout that holds the venv, or lies inside it, before the pip layer", () => {
  expect(names(moved("/opt"), "pip")).toEqual(["katpkg", "devsim"]);
  expect(names(moved("/opt/kat/venv/share/devsim"), "pip")).toEqual(["katpkg", "devsim"]);
  expect(names(moved("/opt/kat/venvx"), "pip")).toEqual(["katpkg"]);
});

it("places every checkout after the pip layer's place when there is no [python]", () => {
  const { python: _, ...noPython } = recipe;
  expect(names({ ...noPython, checkouts: recipe.checkouts.map((c) => ({ ...c, install: "none" as const })) }, "pip")).toEqual([]);
});
