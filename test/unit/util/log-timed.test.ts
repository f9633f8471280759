import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "vitest";
import { timed } from "../../../src/log.js";

// The stage timer bake, vm and nightly share: wall time in seconds (one decimal), recorded on failure too.
test("records the wall time of a stage, and still records it when the stage fails", async () => {
  const seen: number[] = [];
  expect(
    await timed(
      () => sleep(120).then(() => "v"),
      (s) => seen.push(s),
    ),
  ).toBe("v");
  await expect(
    timed(
      () => Promise.reject(new Error("boom")),
      (s) => seen.push(s),
    ),
  ).rejects.toThrow("boom");
  expect(seen).toHaveLength(2);
  expect(seen[0]).toBeGreaterThanOrEqual(0.1);
  expect(seen[1]).toBeLessThan(0.1);
});
