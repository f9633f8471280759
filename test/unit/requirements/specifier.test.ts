import { describe, expect, it } from "vitest";
import {
  canonicalizeVersion,
  formatSpecifierSet,
  InvalidSpecifier,
  parseSpecifier,
  parseSpecifierSet,
  specifierSetContains,
} from "../../../src/requirements/specifier.js";

/** [specifier set, version, contains by default, contains with prereleases allowed] */
const CASES: [string, string, boolean, boolean][] = [
  ["==1.1", "1.1.0", true, true],
  ["==1.1", "1.1+local", true, true],
  ["==1.1+local", "1.1", false, false],
  ["==1.1.post1", "1.1", false, false],
  ["==1.1.*", "1.1.post1", true, true],
  ["==1.1.*", "1.10", false, false],
  ["==1.*", "1.0a1", false, true],
  ["!=1.1.*", "1.1.5", false, false],
  ["!=1.1.*", "1.2", true, true],
  ["~=2.2", "2.3", true, true],
  ["~=2.2", "3.0", false, false],
  ["~=2.2", "2.2.post3", true, true],
  ["~=1.4.5", "1.4.6", true, true],
  ["~=1.4.5", "1.5.0", false, false],
  ["~=2.2.post3", "2.3", true, true],
  ["~=2.2.post3", "2.2", false, false],
  ["~=1.4.5a4", "1.4.5", true, true],
  ["~=1.4.5a4", "1.5", false, false],
  ["<2.0", "2.0rc1", false, false],
  ["<2.0rc1", "2.0b1", false, true], // `<` never opts in to pre-releases, even when it names one
  ["<2.0", "1.9", true, true],
  [">1.7", "1.7.post1", false, false],
  [">1.7.post2", "1.7.post3", true, true],
  [">1.7", "1.7.1", true, true],
  [">1.7", "1.7+local", false, false],
  [">=1.7", "1.7+local", true, true],
  ["<=1.7", "1.7+local", true, true],
  ["===1.0", "1.0", true, true],
  ["===1.0", "1.0.0", false, false],
  [">=1.0", "2.0a1", false, true],
  [">=1.0a1", "2.0a1", true, true],
  [">=1.0,<2", "1.5", true, true],
  [">=1.0,<2", "2.0", false, false],
  ["<3,>=1.21.1", "2.0.7", true, true],
  ["", "1.0", true, true],
  ["", "1.0a1", false, true],
  [">= 1.0 , != 1.5", "1.5", false, false],
  // PEP 440: prefix matching and ~= need equal epochs; the prefix applies to the release, zero-padded.
  ["==0.0.*", "1!0.0", false, false],
  ["==1!0.0.*", "1!0.0", true, true],
  ["==1!0.*", "1!0.5.post1", true, true],
  ["==1!0.*", "0.5", false, false],
  ["==1!1.0.0.*", "1!1", true, true],
  ["==1!1.0.0.*", "1!1.1", false, false],
  ["==0!1.*", "1.2", true, true],
  ["!=1.*", "2!1.0", true, true],
  ["!=2!1.*", "2!1.0", false, false],
  ["!=2!1.*", "1.0", true, true],
  ["~=0.0", "1!0.5", false, false],
  ["!=0.*", "1!0.5", true, true],
  ["~=1!1.0", "1!1.5", true, true],
  ["~=1!1.0", "1.5", false, false],
  ["~=1.0", "1!1.5", false, false],
  ["~=1!1.4.5", "1!1.4.9", true, true],
  ["~=1!1.4.5", "1!1.5", false, false],
  ["~=v1!1.0", "1!1.5", true, true],
  ["~=V1.0", "1.5", true, true],
];

describe("specifier sets", () => {
  it.each(CASES)("%j contains %j: %j (prereleases allowed: %j)", (spec, version, byDefault, withPre) => {
    const set = parseSpecifierSet(spec);
    expect(specifierSetContains(set, version)).toBe(byDefault);
    expect(specifierSetContains(set, version, { prereleases: true })).toBe(withPre);
  });

  it.each(["~=1", "<1.0.*", ">=1.0+local", "==", "=>1.0", "1.0", "~=1.0.*", ">=1.0 <2"])("refuses %j", (spec) => {
    expect(() => parseSpecifierSet(spec)).toThrow(InvalidSpecifier);
  });

  it("keeps the version as written, as packaging does", () => {
    expect(parseSpecifier(" >= V1.0 ")).toEqual({ operator: ">=", version: "V1.0" });
    expect(parseSpecifier("===foo-bar")).toEqual({ operator: "===", version: "foo-bar" });
  });

  it("formats a set with clauses sorted, like str(SpecifierSet)", () => {
    expect(formatSpecifierSet(parseSpecifierSet(">=1.21.1, <3"))).toBe("<3,>=1.21.1");
  });

  it("canonicalises versions with or without trailing zeros", () => {
    expect(canonicalizeVersion("1.0.0")).toBe("1");
    expect(canonicalizeVersion("1.0.0", false)).toBe("1.0.0");
    expect(canonicalizeVersion("1.0.0rc1")).toBe("1rc1");
    expect(canonicalizeVersion("not a version")).toBe("not a version");
  });
});
