import { describe, expect, it } from "vitest";
import { evaluateMarker, formatMarker, InvalidMarker, parseMarker, targetEnvironment, UndefinedComparison } from "../../../src/requirements/markers.js";

const env = targetEnvironment({ pythonVersion: "3.11.2", machine: "x86_64" });

describe("targetEnvironment", () => {
  it("describes a Debian bookworm-like CPython on Linux", () => {
    expect(env).toEqual({
      python_version: "3.11",
      python_full_version: "3.11.2",
      os_name: "posix",
      sys_platform: "linux",
      platform_release: "",
      platform_system: "Linux",
      platform_version: "",
      platform_machine: "x86_64",
      platform_python_implementation: "CPython",
      implementation_name: "cpython",
      implementation_version: "3.11.2",
      extra: "",
    });
    expect(targetEnvironment({ pythonVersion: "3.12.0rc1", machine: "aarch64" }).python_version).toBe("3.12");
  });
});

describe("marker evaluation", () => {
  it.each([
    // Versions compare as versions: as strings "3.11" < "3.9" would be true.
    ['python_version < "3.9"', false],
    ['python_version >= "3.8"', true],
    ['"3.8" < python_version', true],
    ['python_full_version == "3.11.*"', true],
    ['python_version ~= "3.10"', true],
    ['python_version === "3.11"', true],
    ['sys_platform == "linux"', true],
    ['sys.platform == "win32"', false],
    ['os.name == "posix"', true],
    ['python_implementation == "CPython"', true],
    ['platform.machine in "x86_64 aarch64"', true],
    ['platform_machine not in "arm64 aarch64"', true],
    ['"linux" in sys_platform', true],
    // Not versions: compared as strings.
    ['platform_system < "Windows"', true],
    ['implementation_name > "pypy"', false],
    // "and" binds tighter than "or".
    ['sys_platform == "win32" and python_version < "3" or os_name == "posix"', true],
    ['sys_platform == "win32" and (python_version < "3" or os_name == "posix")', false],
    ["(os_name=='posix')and(sys_platform=='linux')", true],
    ['extra == "socks"', false],
  ])("%s → %s", (marker, want) => {
    expect(evaluateMarker(marker, env)).toBe(want);
  });

  it("compares extras PEP 685-normalised on both sides", () => {
    expect(evaluateMarker('extra == "Socks_Proxy"', { ...env, extra: "socks-proxy" })).toBe(true);
    expect(evaluateMarker('extra == "socks.proxy"', { ...env, extra: "SOCKS__proxy" })).toBe(true);
  });

  it("falls back to string comparison when the left side is not a version", () => {
    expect(evaluateMarker('platform_release >= "6"', { ...env, platform_release: "6.8.12-4-pve" })).toBe(true);
  });

  it("refuses ~= between non-versions, even when the other side of an 'or' already decided", () => {
    expect(() => evaluateMarker('os_name ~= "posix"', env)).toThrow(UndefinedComparison);
    expect(() => evaluateMarker('os_name == "posix" or platform_release ~= "10"', env)).toThrow(UndefinedComparison);
  });
});

describe("marker syntax", () => {
  it.each([
    ['python_version >> "3"', "marker variable"],
    ['python_version "3"', "operator"],
    ["python_version == 3", "quoted string"],
    ['python_version == "3" and', "marker variable"],
    ['(python_version == "3"', "closing )"],
    ['python_version == "3" garbage', "end of the marker"],
    ['python_version not "3"', "'in' after 'not'"],
    ["python_version == os_name", "quoted string on one side"],
    ['"a" == "b"', "marker variable on one side"],
    ['unknown_var == "x"', "marker variable"],
  ])("refuses %s (%s)", (marker, why) => {
    expect(() => parseMarker(marker)).toThrow(InvalidMarker);
    expect(() => parseMarker(marker)).toThrow(why);
  });

  it("formats a parsed marker back to equivalent text", () => {
    const text = `os.name=='posix' and (python_version<"3.8" or extra == 'a"b')`;
    expect(formatMarker(parseMarker(text))).toBe(`os_name == "posix" and (python_version < "3.8" or extra == 'a"b')`);
  });
});
