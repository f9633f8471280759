// The bad-template corpus (built by fixtures/scripts/make-bad-templates.ts): `kiln check` on each
// gives the expected exit and failures, and never an internal error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkTemplate } from "../../../src/check/index.js";
import { KilnError } from "../../../src/errors.js";
import { badTemplates, writeBadTemplates } from "../../../fixtures/scripts/make-bad-templates.js";

let dir: string;
let corpus: ReturnType<typeof writeBadTemplates>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-bad-templates-"));
  corpus = writeBadTemplates(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What `kiln check FILE` would exit with, and its failure lines ("rule: path: message"). */
async function run(path: string): Promise<{ exit: number; lines: string[] }> {
  try {
    const r = await checkTemplate(path);
    return { exit: r.ok ? 0 : 1, lines: r.failures.map((f) => `${f.rule}: ${f.path}: ${f.message}`) };
  } catch (e) {
    return { exit: e instanceof KilnError ? e.exitCode : 70, lines: [String(e)] };
  }
}

describe("bad-template corpus", () => {
  it("has many cases, refused and accepted", () => {
    const all = badTemplates();
    expect(all.filter((t) => t.exit === 1).length).toBeGreaterThanOrEqual(50);
    expect(all.filter((t) => t.exit === 0).length).toBeGreaterThanOrEqual(5);
  });

  it.each(badTemplates().map((t) => [t.name]))("%s", async (name) => {
    const t = corpus.find((c) => c.name === name);
    if (!t) throw new Error(`no case ${name}`);
    const { exit, lines } = await run(t.path);
    expect({ exit, lines: exit === t.exit ? [] : lines }).toEqual({ exit: t.exit, lines: [] });
    for (const fragment of t.expect)
      expect(
        lines.some((l) => l.includes(fragment)),
        `no failure contains ${JSON.stringify(fragment)}:\n${lines.join("\n")}`,
      ).toBe(true);
    // Only the safety or readability problem under test: the base tree itself passes every other rule.
    for (const l of lines) expect(l).toMatch(/^(readable|tar-safety): /);
  });
});
