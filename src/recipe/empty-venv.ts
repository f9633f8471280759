// A [python] venv with nothing pinned is refused unless the recipe says it is meant to be empty: a
// missing, wrong or truncated requirements file must not bake an image whose venv silently lacks
// every package. One check for `kiln validate`, `kiln fetch` and `kiln bake`.
import type { Problem } from "../errors.js";
import type { Requirements } from "../requirements/types.js";
import { displayPath } from "../util/display-path.js";
import { problemIn } from "./load.js";
import type { Recipe } from "./types.js";
import { quoteInput } from "../util/quote.js";

/** Problems with what the recipe's venv gets from `reqs` (undefined: no requirements file at all). */
export function venvPinProblems(recipe: Recipe, reqs: Requirements | undefined): Problem[] {
  const py = recipe.python;
  if (!py) return [];
  const applying = reqs?.pins.filter((p) => p.applies).length ?? 0;
  if (py.empty) {
    if (!applying) return [];
    return [
      problemIn(
        recipe,
        "python.empty",
        `empty = true, but ${displayPath(reqs?.file ?? "")} pins ${applying} package(s) for the venv: remove empty = true, or the pins`,
      ),
    ];
  }
  if (!reqs)
    return [
      problemIn(
        recipe,
        "python",
        '[python] needs pinned requirements: set requirements = "pinned.txt" or pass --requirements (or empty = true for a venv meant to stay empty)',
      ),
    ];
  if (applying) return [];
  const what = reqs.pins.length ? `none of its ${reqs.pins.length} pin(s) applies to the target (markers)` : "it pins no package";
  return [
    problemIn(
      recipe,
      "python.requirements",
      `${displayPath(reqs.file)}: ${what}, so the venv ${quoteInput(py.venv)} would be empty: pass the pip-compile output, or set empty = true in [python] if the venv is meant to stay empty`,
    ),
  ];
}
