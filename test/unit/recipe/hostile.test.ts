// Recipe and lock values are input: messages show them escaped (no control character reaches the
// terminal) and cut (a 400 KB value does not make a 400 KB message).
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { UserError } from "../../../src/errors.js";
import { parseLock } from "../../../src/lock/lock.js";
import { loadRecipe } from "../../../src/recipe/load.js";
import { MIN, tempDir, writeFiles } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir("recipe-hostile")));
afterAll(() => cleanup());

/** Any control character but the newline that separates problems. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const BIG = "\u001b[2J".repeat(100_000);

/** The message of the UserError `f` throws. */
async function messageOf(f: () => unknown): Promise<string> {
  const e = await Promise.resolve()
    .then(f)
    .then(
      () => undefined,
      (x: unknown) => x,
    );
  expect(e).toBeInstanceOf(UserError);
  return (e as UserError).message;
}

test("a recipe with 400 KB of escapes in values and keys gives a short, escaped message", async () => {
  const esc = BIG.replace(/\u001b/g, "\\u001b");
  await writeFiles(dir, {
    "r.toml": `${MIN.replace('name = "x"', `name = "${esc}"`)}\n[[file]]\nsrc = "${esc}"\ndest = "/etc/${esc}"\n\n[services]\nenable = ["${esc}"]\n"${esc}" = 1\n`,
  });
  const msg = await messageOf(() => loadRecipe(join(dir, "r.toml")));
  expect(msg.split("\n").length).toBeGreaterThanOrEqual(4);
  expect(msg).not.toMatch(CONTROL);
  expect(msg).toContain("\\x1b[2J");
  expect(msg.length).toBeLessThan(2048);
});

test("a lock with control characters and huge values gives a short, escaped message", async () => {
  const lock = {
    lockVersion: BIG,
    base: { suite: "\u0000", variant: "v", arch: "a" },
    sourceDateEpoch: [BIG],
    recipeSha256: BIG,
    requirementsSha256: null,
    debs: [],
    wheels: [],
    checkouts: [],
  };
  const msg = await messageOf(() => parseLock(JSON.stringify(lock), "x.lock.json"));
  expect(msg).not.toMatch(CONTROL);
  expect(msg.length).toBeLessThan(2048);
});
