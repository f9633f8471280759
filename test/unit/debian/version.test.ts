import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { compareDebVersions, debVersionProblem, isValidDebVersion, parseDebVersion } from "../../../src/debian/version.js";

describe("Debian version ordering (dpkg rules)", () => {
  it.each([
    ["1.0~rc1", "1.0", -1],
    ["1.0~", "1.0", -1],
    ["1.0~~", "1.0~", -1],
    ["1.0~~a", "1.0~", -1],
    ["1.0", "1.0+b1", -1],
    ["1.0a", "1.0", 1],
    ["1.0+", "1.0a", 1],
    ["1.0.", "1.0a", 1],
    ["2.0", "10.0", -1],
    ["1.2.3", "1.2.3a", -1],
    ["1:0.1", "2.0", 1],
    ["0:1.0", "1.0", 0],
    ["01.0", "1.0", 0],
    ["1.0", "1.0-0", 0],
    ["1.0-1", "1.0-1~", 1],
    ["1.0-1", "1.0-1+deb12u1", -1],
    ["1.0-1.1", "1.0-1a", 1],
    ["1.0-2~bpo12+1", "1.0-2", -1],
    ["2:1-1", "10:0", -1],
    ["1.0-1-1", "1.0-1", 1],
    ["", "0", -1],
    ["", "<unknown>", 0],
    ["a1", "b1", -1],
  ])("%j vs %j → %i", (a, b, want) => {
    expect(compareDebVersions(a, b)).toBe(want);
    expect(compareDebVersions(b, a) || 0).toBe(-want || 0);
  });

  it("throws UserError for syntax dpkg refuses", () => {
    expect(() => compareDebVersions("1.0-", "1.0")).toThrow(UserError);
    expect(() => compareDebVersions("1.0", "1:")).toThrow("nothing after colon");
  });
});

describe("Debian version parsing and validation", () => {
  it("splits epoch, upstream (which may hold hyphens and colons) and revision at the last hyphen", () => {
    expect(parseDebVersion("1:2.0-3")).toEqual({ ok: true, version: { epoch: 1, upstream: "2.0", revision: "3" } });
    expect(parseDebVersion("1:2-3:4-5")).toEqual({ ok: true, version: { epoch: 1, upstream: "2-3:4", revision: "5" } });
    expect(parseDebVersion(" 2.0 ")).toEqual({ ok: true, version: { epoch: 0, upstream: "2.0", revision: "" } });
    expect(parseDebVersion("+1:2")).toEqual({ ok: true, version: { epoch: 1, upstream: "2", revision: "" } });
  });

  it.each([
    ["", "version string is empty"],
    ["  ", "version string is empty"],
    ["1 2", "version string has embedded spaces"],
    ["x:1", "epoch in version is empty"],
    ["1x:1", "epoch in version is not number"],
    ["-1:1", "epoch in version is negative"],
    ["99999999999:1", "epoch in version is too big"],
    ["1:", "nothing after colon in version number"],
    ["1.0-", "revision number is empty"],
    ["1:-1", "version number is empty"],
  ])("refuses %j: %s", (v, why) => {
    expect(parseDebVersion(v)).toEqual({ ok: false, error: why });
    expect(debVersionProblem(v)).toBe(why);
    expect(isValidDebVersion(v)).toBe(false);
  });

  it.each([
    ["a1.0", "version number does not start with digit"],
    ["1.0_1", "invalid character in version number"],
    ["1.0-a_b", "invalid character in revision number"],
    ["1:1.0-1:2", "invalid character in revision number"],
  ])("warns about %j (dpkg compares it but refuses it in a package): %s", (v, why) => {
    const r = parseDebVersion(v);
    expect(r.ok && r.warning).toBe(why);
    expect(isValidDebVersion(v)).toBe(false);
  });

  it.each(["1.0", "1:2.30+dfsg-1~bpo12+1", "0.9~rc1-0ubuntu1", "2024.01.01"])("accepts %j", (v) => {
    expect(isValidDebVersion(v)).toBe(true);
  });
});
