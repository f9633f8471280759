// Test helpers for recipe tests: recipes written into a private temp dir, problems read back.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { UserError, type Problem } from "../../../src/errors.js";
import { loadRecipe } from "../../../src/recipe/load.js";

/** A minimal valid recipe. */
export const MIN = `[image]
name = "x"
version = "1.0.0"

[base]
suite = "bookworm"
`;

/** A temp directory for one test file; `cleanup` removes it. */
export async function tempDir(prefix: string): Promise<{ readonly dir: string; readonly cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `kiln-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `files` (relative path → text) under `dir`; returns the absolute path of the first. */
export async function writeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<string> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return join(dir, Object.keys(files)[0] ?? "");
}

/** The problems loading `path` reports (fails the test if it loads). */
export async function problemsOf(path: string): Promise<Problem[]> {
  try {
    await loadRecipe(path);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return [...(e as UserError).problems];
  }
  throw new Error(`${path} loaded without problems`);
}

/** `LINE: key: message` of each problem, for compact assertions. */
export function brief(ps: readonly Problem[]): string[] {
  return ps.map((p) => `${p.line ?? "-"}: ${p.key ?? "-"}: ${p.message}`);
}
