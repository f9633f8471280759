// The common start of recipe commands (fetch, bake): settings from kiln.toml/env/flags, and the recipe.
import { loadConfig, type Config, type ConfigOverrides } from "../config.js";
import { UserError } from "../errors.js";
import { loadRecipe } from "../recipe/load.js";
import type { Recipe } from "../recipe/types.js";

/** Loads the config and the recipe it names; a missing recipe is bad input with the fix. */
export async function loadProject(o: ConfigOverrides): Promise<{ readonly config: Config; readonly recipe: Recipe }> {
  const config = loadConfig(o);
  if (!config.recipe) throw new UserError('no recipe: pass --recipe FILE or set recipe = "…" in kiln.toml');
  return { config, recipe: await loadRecipe(config.recipe) };
}
