import { describe, expect, it } from "vitest";
import { compareVersionStrings, InvalidVersion, isPrerelease, normalizeVersion, parseVersion, tryParseVersion } from "../../../src/requirements/pep440.js";

describe("PEP 440 normalisation", () => {
  it.each([
    ["1.0-rc1", "1.0rc1"],
    ["1.0.RC.1", "1.0rc1"],
    ["1.0c1", "1.0rc1"],
    ["1.0.preview2", "1.0rc2"],
    ["1.0pre", "1.0rc0"],
    ["1.0alpha1", "1.0a1"],
    ["1.0_beta_2", "1.0b2"],
    ["1.0.post", "1.0.post0"],
    ["1.0-1", "1.0.post1"],
    ["1.0-r4", "1.0.post4"],
    ["1.0rev", "1.0.post0"],
    ["1.0dev", "1.0.dev0"],
    ["1.0.DEV1", "1.0.dev1"],
    ["v1.0", "1.0"],
    ["V2!1.0", "2!1.0"],
    ["0!1.0", "1.0"],
    ["01.002.0", "1.2.0"],
    ["  1.0\n", "1.0"],
    ["1.0+Ubuntu-1", "1.0+ubuntu.1"],
    ["1.0+abc_007", "1.0+abc.7"],
    ["1.0-dev-", "1.0.dev0"],
    ["1.0a1.post2.dev3+x", "1.0a1.post2.dev3+x"],
    ["1.12345678901234567890", "1.12345678901234567890"],
  ])("%j → %j", (input, want) => {
    expect(normalizeVersion(input)).toBe(want);
  });

  it.each(["", "1.0.", "a", "1.0+", "1.0+_a", "1..0", "1.0 .1", "1.0-", "1!", "!1", "1.0post1dev1x", "1.0-dev--", "1.*"])("refuses %j", (input) => {
    expect(tryParseVersion(input)).toBeUndefined();
    expect(() => parseVersion(input)).toThrow(InvalidVersion);
  });

  it("counts dev releases and pre-releases as pre-releases, post-releases not", () => {
    expect(isPrerelease(parseVersion("1.0.dev1"))).toBe(true);
    expect(isPrerelease(parseVersion("1.0rc1"))).toBe(true);
    expect(isPrerelease(parseVersion("1.0.post1"))).toBe(false);
    expect(isPrerelease(parseVersion("1.0.post1.dev1"))).toBe(true);
  });
});

describe("PEP 440 ordering", () => {
  // The order from PEP 440's "Summary of permitted suffixes and relative ordering", plus local versions.
  const ordered = [
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0+abc.5",
    "1.0+abc.7",
    "1.0+5",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.15",
    "1.1.dev1",
    "1!0.1",
  ];

  it("sorts the PEP's example list into its stated order", () => {
    const shuffled = [...ordered].reverse();
    shuffled.sort(compareVersionStrings);
    expect(shuffled).toEqual(ordered);
  });

  it.each([
    ["1.0", "1.0.0", 0],
    ["1.0+1", "1.0+01", 0],
    ["1.0rc1", "1.0c1", 0],
    ["1.0+abc", "1.0+1", -1],
    ["1.0+a", "1.0+a.1", -1],
    ["1.0+a", "1.0", 1],
    ["2.0", "1!0.1", -1],
    ["1.12345678901234567890", "1.12345678901234567889", 1],
    ["1.0.post0", "1.0", 1],
    ["1.0.dev0", "1.0a0", -1],
    ["1.0a1.dev1", "1.0a1", -1],
  ])("%s vs %s → %i", (a, b, want) => {
    expect(Math.sign(compareVersionStrings(a, b))).toBe(want);
    expect(Math.sign(compareVersionStrings(b, a)) || 0).toBe(-want || 0);
  });
});
