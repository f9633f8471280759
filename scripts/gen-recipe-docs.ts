// Regenerates docs/recipe.md and docs/recipe.schema.json from the recipe schema (src/recipe/schema.ts).
// Run after changing the schema: `npm run build && node dist/scripts/gen-recipe-docs.js`.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderRecipeJsonSchema, renderRecipeMarkdown } from "../src/recipe/docs.js";

/** The project root: the nearest directory above this script with a package.json (works from dist/ too). */
function projectRoot(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, "package.json"))) return d;
    if (dirname(d) === d) throw new Error("gen-recipe-docs: no package.json above the script");
  }
}

const docs = join(projectRoot(), "docs");
mkdirSync(docs, { recursive: true });
writeFileSync(join(docs, "recipe.md"), renderRecipeMarkdown());
writeFileSync(join(docs, "recipe.schema.json"), renderRecipeJsonSchema());
process.stderr.write(`wrote ${join(docs, "recipe.md")} and ${join(docs, "recipe.schema.json")}\n`);
