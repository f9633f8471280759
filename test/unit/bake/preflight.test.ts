// Bake's preflight refuses a [python] venv with nothing pinned (unless the recipe says empty = true)
// before it looks for a lock: the same rule as `kiln validate`, so a bake cannot skip it.
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readInputs } from "../../../src/bake/preflight.js";
import { UserError, formatProblem } from "../../../src/errors.js";
import { loadRecipe } from "../../../src/recipe/load.js";
import { MIN, tempDir, writeFiles } from "../recipe/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir("preflight")));
afterAll(() => cleanup());

/** The problems readInputs reports for the recipe at `rel`. */
async function problems(rel: string): Promise<string[]> {
  const e = await readInputs({ recipe: await loadRecipe(join(dir, rel)) }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  return (e as UserError).problems.map(formatProblem);
}

test("empty requirements are refused at bake; with empty = true the bake goes on to look for its lock", async () => {
  const PY = `${MIN}\n[python]\nvenv = "/opt/v"\nrequirements = "pinned.txt"\n`;
  await writeFiles(dir, { "r.toml": PY, "e.toml": `${PY}empty = true\n`, "none.toml": `${MIN}\n[python]\nvenv = "/opt/v"\n`, "pinned.txt": "\n" });
  expect(await problems("r.toml")).toEqual([
    expect.stringMatching(/r\.toml:10: python\.requirements: .*pinned\.txt: it pins no package, so the venv "\/opt\/v" would be empty/),
  ]);
  expect(await problems("none.toml")).toEqual([expect.stringMatching(/none\.toml:8: python: \[python\] needs pinned requirements/)]);
  expect(await problems("e.toml")).toEqual([expect.stringMatching(/^no lock for /)]);
});
