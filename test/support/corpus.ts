// Bad-input corpora: every file in a directory must be refused with exactly the problems its
// `# expect: file:line: key: message` comments list (each a prefix of the printed problem), in order.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { expect, test } from "vitest";
import { UserError, formatProblem } from "../../src/errors.js";

/** Declares one test per `.toml` file in `dir`, loading each with `load`. */
export function corpusTests(dir: string, load: (path: string) => Promise<unknown>, o: { readonly min?: number } = {}): void {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".toml"))
    .sort();
  test("the corpus has cases", () => {
    expect(files.length).toBeGreaterThanOrEqual(o.min ?? 1);
  });
  test.each(files)("%s", async (file) => {
    const path = join(dir, file);
    const expected = readFileSync(path, "utf8")
      .split("\n")
      .flatMap((l) => (l.startsWith("# expect: ") ? [l.slice("# expect: ".length)] : []));
    expect(expected.length, `${path} has no "# expect:" lines`).toBeGreaterThan(0);
    const err = await load(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    // Files are written relative to the corpus directory, as the `# expect:` lines name them.
    const actual = (err as UserError).problems.map((p) => formatProblem({ ...p, file: p.file && relative(resolve(dir), resolve(p.file)) }));
    expect(actual.length, `got:\n${actual.join("\n")}`).toBe(expected.length);
    actual.forEach((a, i) => {
      expect(a.startsWith(expected[i] ?? "\0"), `problem ${i + 1}:\n  got      ${a}\n  expected ${expected[i]}`).toBe(true);
    });
  });
}
