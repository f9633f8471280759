// Golden test: a fixed in-memory tree must pack to the checked-in image id. A failure means the
// archive bytes changed: if that was intended, regenerate golden.json with
//   npm run build && node dist/scripts/regen-golden.js
// and say why in the commit (every image id kiln ever produced changes with it).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { computeGolden, type Golden } from "./golden-tree.js";
import { tempDir } from "./helpers.js";

let dir = "";
let cleanup: () => Promise<void> = async () => undefined;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

it("packs the golden tree to the checked-in image id", async () => {
  const expected = JSON.parse(await readFile(join(import.meta.dirname, "golden.json"), "utf8")) as Golden;
  expect(await computeGolden(dir)).toEqual(expected);
});
