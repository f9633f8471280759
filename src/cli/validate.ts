// `kiln validate`: checks a recipe and its pinned requirements without building — what a CI job runs
// first. Problems in both are reported together as one UserError (exit 2).
import { existsSync } from "node:fs";
import { loadConfig } from "../config.js";
import { UserError, type Problem } from "../errors.js";
import { assertFresh, lockPathFor, readLock } from "../lock/lock.js";
import { displayPath } from "../util/display-path.js";
import { loadRecipe, problemIn, recipeDigest, requirementsFileOf } from "../recipe/load.js";
import type { Recipe } from "../recipe/types.js";
import { venvPinProblems } from "../recipe/empty-venv.js";
import { loadRequirements, type Requirements } from "../requirements/index.js";
import { emit } from "./output.js";

export interface ValidateOptions {
  readonly recipe?: string;
  readonly requirements?: string;
  readonly json?: boolean;
  readonly store?: string;
  readonly cache?: string;
  readonly verbose?: boolean;
}

/** What `kiln validate --json` prints. */
export interface ValidateResult {
  readonly ok: true;
  readonly recipe: string;
  readonly extends: readonly string[];
  readonly image: { readonly name: string; readonly version: string; readonly arch: string; readonly ostype: string };
  readonly recipeSha256: string;
  readonly aptPackages: number;
  readonly requirements: string | null;
  readonly requirementsSha256: string | null;
  readonly pins: number;
  readonly checkouts: number;
  readonly files: number;
  readonly services: { readonly enable: number; readonly disable: number };
  readonly runSteps: number;
  readonly verifyCommands: number;
  /** The recipe's lock: "fresh" (bake can use it), "stale" or "missing" (run kiln lock). */
  readonly lock: { readonly file: string; readonly state: "fresh" | "stale" | "missing" };
}

/** Runs `f`, moving a UserError's problems into `problems` (other errors propagate). */
async function collect<T>(problems: Problem[], f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    problems.push(...e.problems);
    return undefined;
  }
}

/** Checks the recipe and its requirements; prints a summary or JSON. Throws UserError with every problem. */
export async function validate(opts: ValidateOptions): Promise<void> {
  const config = loadConfig({ recipe: opts.recipe, requirements: opts.requirements, store: opts.store, cache: opts.cache });
  if (!config.recipe) throw new UserError("no recipe: pass --recipe or set recipe in kiln.toml");
  const problems: Problem[] = [];
  const recipe = await collect(problems, () => loadRecipe(config.recipe as string));
  const reqs = await checkRequirements(recipe, config.requirements, problems);
  if (problems.length || !recipe) throw new UserError(problems);
  const recipeSha256 = recipeDigest(recipe);
  const lock = await lockState(recipe, recipeSha256, reqs?.sha256 ?? null, problems);
  if (problems.length) throw new UserError(problems);
  const result: ValidateResult = {
    ok: true,
    recipe: displayPath(recipe.path),
    extends: recipe.extends.map((p) => displayPath(p)),
    image: recipe.image,
    recipeSha256,
    aptPackages: recipe.apt.packages.length,
    requirements: reqs ? displayPath(reqs.file) : null,
    requirementsSha256: reqs?.sha256 ?? null,
    pins: reqs?.pins.length ?? 0,
    checkouts: recipe.checkouts.length,
    files: recipe.files.length,
    services: { enable: recipe.services.enable.length, disable: recipe.services.disable.length },
    runSteps: recipe.run.length,
    verifyCommands: recipe.verify.commands.length,
    lock,
  };
  emit(opts.json, result, (r) => human(r, recipe));
}

/** Finds and parses the requirements file (explicit one first, else the recipe's), collecting problems. */
async function checkRequirements(recipe: Recipe | undefined, explicit: string | undefined, problems: Problem[]): Promise<Requirements | undefined> {
  const file = recipe ? requirementsFileOf(recipe, explicit) : explicit;
  if (recipe && !recipe.python && explicit) {
    problems.push(
      problemIn(
        recipe,
        "python",
        `requirements ${displayPath(explicit)} were given (--requirements, KILN_REQUIREMENTS or kiln.toml) but the recipe has no [python] venv to install them into`,
      ),
    );
    return undefined;
  }
  if (recipe?.python && !file) {
    problems.push(...venvPinProblems(recipe, undefined));
    return undefined;
  }
  if (!file) return undefined;
  if (!existsSync(file)) {
    const message = `no such requirements file ${displayPath(file)}: create it with pip-compile, or pass --requirements`;
    problems.push(recipe && !explicit ? problemIn(recipe, "python.requirements", message) : { file: displayPath(file), message });
    return undefined;
  }
  // A path relative to the working directory where possible, so the requirements' messages read well.
  const reqs = await collect(problems, () => loadRequirements(displayPath(file)));
  if (recipe && reqs) problems.push(...venvPinProblems(recipe, reqs));
  return reqs;
}

/** Whether the recipe's lock exists and matches it; a corrupt lock is a problem. */
async function lockState(recipe: Recipe, recipeSha256: string, requirementsSha256: string | null, problems: Problem[]): Promise<ValidateResult["lock"]> {
  const file = lockPathFor(recipe.path);
  if (!existsSync(file)) return { file: displayPath(file), state: "missing" };
  const lock = await collect(problems, () => readLock(file));
  if (!lock) return { file: displayPath(file), state: "stale" };
  try {
    assertFresh(lock, { recipeSha256, requirementsSha256, lockFile: file });
    return { file: displayPath(file), state: "fresh" };
  } catch {
    return { file: displayPath(file), state: "stale" };
  }
}

/** The human summary. */
function human(r: ValidateResult, recipe: Recipe): string {
  const n = (k: number, one: string, many = `${one}s`): string => `${k} ${k === 1 ? one : many}`;
  const rows: [string, string][] = [
    ["image", `${r.image.name} ${r.image.version} (${r.image.ostype}, ${r.image.arch})`],
    ["base", `${recipe.base.suite}, ${recipe.base.variant}, mirror ${recipe.base.mirror}`],
    ["apt", n(r.aptPackages, "package")],
    ["python", recipe.python ? `${recipe.python.venv}: ${n(r.pins, "pin")} from ${r.requirements}` : "none"],
    ["checkouts", recipe.checkouts.length ? recipe.checkouts.map((c) => `${c.name} (${c.kind})`).join(", ") : "none"],
    ["files", String(r.files)],
    ["services", `${r.services.enable} enabled, ${r.services.disable} disabled`],
    ["run", n(r.runSteps, "step")],
    ["verify", n(r.verifyCommands, "command")],
    ["recipe", `sha256:${r.recipeSha256}`],
    ["lock", `${r.lock.file}: ${r.lock.state}${r.lock.state === "fresh" ? "" : " (run kiln lock)"}`],
  ];
  const head = `ok: ${r.recipe}${r.extends.length ? ` (extends ${r.extends.join(" → ")})` : ""}`;
  return [head, ...rows.map(([k, v]) => `  ${k.padEnd(10)} ${v}`)].join("\n");
}
