import { describe, expect, it } from "vitest";
import { nightlyTag, nightOf, planRetention } from "../../../src/nightly/retention.js";

const id = (n: number) => `sha256:${String(n).padStart(64, "0")}`;

describe("nightly retention", () => {
  it("names nights in UTC", () => {
    expect(nightOf(new Date("2026-11-22T23:30:00-05:00"))).toBe("20261123");
    expect(nightlyTag("toy-kat", "20261122")).toBe("toy-kat-nightly-20261122");
  });

  it("keeps the newest N nightly tags and removes the older ones' images", () => {
    const tags = new Map([
      ["toy-kat-nightly-20261118", id(1)],
      ["toy-kat-nightly-20261119", id(2)],
      ["toy-kat-nightly-20261120", id(3)],
      ["toy-kat-nightly-20261121", id(4)],
    ]);
    expect(planRetention({ name: "toy-kat", keep: 2, tags, pinned: new Set() })).toEqual({
      tags: ["toy-kat-nightly-20261119", "toy-kat-nightly-20261118"],
      images: [id(2), id(1)],
    });
  });

  it("never removes an image that a release tag, a kept nightly or a deployment still needs", () => {
    const tags = new Map([
      ["toy-kat-nightly-20261118", id(1)],
      ["release-1.0", id(1)],
      ["toy-kat-nightly-20261119", id(2)],
      ["toy-kat-nightly-20261120", id(3)],
      ["toy-kat-nightly-20261121", id(3)],
    ]);
    const plan = planRetention({ name: "toy-kat", keep: 1, tags, pinned: new Set([id(2)]) });
    expect(plan.tags).toEqual(["toy-kat-nightly-20261120", "toy-kat-nightly-20261119", "toy-kat-nightly-20261118"]);
    // id(1) has a release tag, id(2) is deployed, id(3) is still tonight's.
    expect(plan.images).toEqual([]);
  });

  it("only touches the recipe's own nightly tags", () => {
    const tags = new Map([
      ["cam-node-nightly-20260101", id(1)],
      ["toy-kat-nightly-2026010", id(2)],
    ]);
    expect(planRetention({ name: "toy-kat", keep: 0, tags, pinned: new Set() })).toEqual({ tags: [], images: [] });
  });
});
