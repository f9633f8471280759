import { describe, expect, it } from "vitest";
import { isLockableVersion, lockedSpec, pinMatchesVersion, pinSpec, samePinVersion, wheelMatchesPin } from "../../../src/requirements/pin-version.js";

describe("pin versions: == compares versions, === compares text", () => {
  it("matches a === pin by its text, case-insensitively, and nothing else", () => {
    const arb = { version: "1.0-custom", arbitrary: true as const };
    expect(pinMatchesVersion(arb, "1.0-CUSTOM")).toBe(true);
    expect(pinMatchesVersion(arb, "1.0")).toBe(false);
    expect(pinMatchesVersion({ version: "1.0", arbitrary: true }, "1.0.0")).toBe(false);
    expect(pinMatchesVersion({ version: "1.0" }, "1.0.0")).toBe(true);
    expect(pinMatchesVersion({ version: "1.0" }, "1.0-custom")).toBe(false);
  });

  it("names the operator in requirements and messages", () => {
    expect(pinSpec({ name: "foo", version: "1.0-custom", arbitrary: true })).toBe("foo===1.0-custom");
    expect(pinSpec({ name: "foo", version: "1.0" })).toBe("foo==1.0");
    expect(lockedSpec({ name: "foo", version: "1.0-custom" })).toBe("foo===1.0-custom");
    expect(lockedSpec({ name: "foo", version: "1.0rc1" })).toBe("foo==1.0rc1");
  });

  it("compares two pins by text when either is ===", () => {
    expect(samePinVersion({ version: "1.0", arbitrary: true }, { version: "1.0.0" })).toBe(false);
    expect(samePinVersion({ version: "1.0" }, { version: "1.0", arbitrary: true })).toBe(true);
    expect(samePinVersion({ version: "1.0" }, { version: "1.0.0" })).toBe(true);
  });

  it("finds a === pin's wheel by the file name's text ('-' written '_')", () => {
    expect(wheelMatchesPin({ version: "1.0-Custom", arbitrary: true }, { version: "1.0-custom", rawVersion: "1.0_custom" })).toBe(true);
    expect(wheelMatchesPin({ version: "1.0", arbitrary: true }, { version: "1", rawVersion: "1" })).toBe(false);
    expect(wheelMatchesPin({ version: "1.0" }, { version: "1.0", rawVersion: "1.0" })).toBe(true);
  });

  it("lets a lock hold PEP 440 versions and === text made of version characters only", () => {
    expect(isLockableVersion("1.0rc1")).toBe(true);
    expect(isLockableVersion("1.0-custom")).toBe(true);
    for (const bad of ["", "1.0 x", "1.0#x", "1.0;x", "../x", "-1"]) expect([bad, isLockableVersion(bad)]).toEqual([bad, false]);
  });
});
