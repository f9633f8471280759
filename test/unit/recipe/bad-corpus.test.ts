// Every recipe under fixtures/bad/recipes/ must be refused with exactly the problems its
// `# expect: file:line: key: message` comments list (each a prefix of the message), in order.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { expect, test } from "vitest";
import { UserError, formatProblem, type Problem } from "../../../src/errors.js";
import { loadRecipe } from "../../../src/recipe/load.js";

const CORPUS = "fixtures/bad/recipes";
const files = readdirSync(CORPUS).filter((f) => f.endsWith(".toml")).sort();

/** A problem as the corpus writes it: the file relative to the corpus directory. */
function asWritten(p: Problem): string {
  return formatProblem({ ...p, file: p.file && relative(resolve(CORPUS), resolve(p.file)) });
}

test("the corpus has cases", () => {
  expect(files.length).toBeGreaterThanOrEqual(10);
});

test.each(files)("%s", async (file) => {
  const path = join(CORPUS, file);
  const expected = readFileSync(path, "utf8")
    .split("\n")
    .flatMap((l) => (l.startsWith("# expect: ") ? [l.slice("# expect: ".length)] : []));
  expect(expected.length, `${path} has no "# expect:" lines`).toBeGreaterThan(0);
  const err = await loadRecipe(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const actual = (err as UserError).problems.map(asWritten);
  expect(actual.length, `got:\n${actual.join("\n")}`).toBe(expected.length);
  actual.forEach((a, i) => expect(a.startsWith(expected[i] ?? "\0"), `problem ${i + 1}:\n  got      ${a}\n  expected ${expected[i]}`).toBe(true));
});
