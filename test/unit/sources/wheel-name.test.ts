import { describe, expect, it } from "vitest";
import { BOOKWORM_AMD64, parseWheelFilename, platformTags, supportedTags, wheelRanker } from "../../../src/sources/wheel-name.js";
import { sha256Hex } from "../../../src/util/hash.js";

describe("parseWheelFilename", () => {
  it("parses names, normalising the name and version and expanding compressed tag sets", () => {
    expect(parseWheelFilename("Katcp_Lite-0.9.3-py2.py3-none-any.whl")).toEqual({
      file: "Katcp_Lite-0.9.3-py2.py3-none-any.whl",
      name: "katcp-lite",
      version: "0.9.3",
      rawVersion: "0.9.3",
      tags: ["py2-none-any", "py3-none-any"],
    });
    expect(parseWheelFilename("numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")?.tags).toEqual([
      "cp311-cp311-manylinux_2_17_x86_64",
      "cp311-cp311-manylinux2014_x86_64",
    ]);
    expect(parseWheelFilename("pkg-1.0-1build-py3-none-any.whl")).toMatchObject({ build: "1build", version: "1.0" });
    expect(parseWheelFilename("pkg-1.0.RC1-py3-none-any.whl")?.version).toBe("1.0rc1");
    // A version that is not PEP 440 (only a === pin can name it) is kept as the file writes it.
    expect(parseWheelFilename("pkg-1.0_custom-py3-none-any.whl")).toMatchObject({ version: "1.0_custom", rawVersion: "1.0_custom" });
  });

  it("rejects what is not a wheel name", () => {
    for (const bad of [
      "pkg-1.0.tar.gz",
      "pkg-1.0-py3-none.whl",
      "pkg-1.0-x-py3-none-any.whl",
      "pkg-1.0;x-py3-none-any.whl",
      "pkg-_1-py3-none-any.whl",
      "../pkg-1.0-py3-none-any.whl",
    ]) {
      expect(parseWheelFilename(bad), bad).toBeUndefined();
    }
  });
});

describe("supportedTags", () => {
  it("agrees exactly with packaging.tags.sys_tags() of CPython 3.11 on x86_64 glibc 2.36", () => {
    // Reference: python3 -c 'import packaging.tags as t, hashlib; tags=[str(x) for x in t.sys_tags()];
    //   print(len(tags), hashlib.sha256("\n".join(tags).encode()).hexdigest())'  (packaging 23, Debian 12)
    const tags = supportedTags(BOOKWORM_AMD64);
    expect(tags.length).toBe(914);
    expect(sha256Hex(tags.join("\n"))).toBe("383ffd2beb764fa9054698434f944b99ad76427d82d57c95382f2b5df9c80b33");
  });

  it("lists manylinux platforms with their legacy aliases, and only PEP 599 ones for other arches", () => {
    expect(platformTags({ pythonVersion: "3.11", machine: "x86_64", glibc: [2, 18] })).toEqual([
      "manylinux_2_18_x86_64",
      "manylinux_2_17_x86_64",
      "manylinux2014_x86_64",
      ...[16, 15, 14, 13].map((m) => `manylinux_2_${m}_x86_64`),
      "manylinux_2_12_x86_64",
      "manylinux2010_x86_64",
      ...[11, 10, 9, 8, 7, 6].map((m) => `manylinux_2_${m}_x86_64`),
      "manylinux_2_5_x86_64",
      "manylinux1_x86_64",
      "linux_x86_64",
    ]);
    expect(platformTags({ pythonVersion: "3.11", machine: "aarch64", glibc: [2, 17] })).toEqual([
      "manylinux_2_17_aarch64",
      "manylinux2014_aarch64",
      "linux_aarch64",
    ]);
  });

  it("ranks compatible wheels (binary before pure) and refuses incompatible ones", () => {
    const rank = wheelRanker(BOOKWORM_AMD64);
    const r = (f: string) => rank(parseWheelFilename(f)!);
    expect(r("a-1-cp311-cp311-manylinux_2_17_x86_64.whl")).toBeLessThan(r("a-1-py3-none-any.whl")!);
    expect(r("a-1-cp38-abi3-manylinux2014_x86_64.whl")).toBeDefined();
    for (const f of [
      "a-1-cp312-cp312-manylinux_2_17_x86_64.whl",
      "a-1-cp311-cp311-manylinux_2_38_x86_64.whl",
      "a-1-cp311-cp311-musllinux_1_1_x86_64.whl",
      "a-1-cp311-cp311-manylinux_2_17_aarch64.whl",
      "a-1-py2-none-any.whl",
      "a-1-cp311-cp311-win_amd64.whl",
    ]) {
      expect(r(f), f).toBeUndefined();
    }
  });
});
