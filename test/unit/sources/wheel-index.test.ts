import { describe, expect, it } from "vitest";
import { pipDownloadArgv, pipProblems, pipRequirementsText } from "../../../src/sources/wheel-index.js";
import { BOOKWORM_AMD64 } from "../../../src/sources/wheel-name.js";
import { lockedRequirements } from "../../../src/bake/stages/python.js";
import type { Pin } from "../../../src/requirements/index.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const pin = (name: string, version: string, line: number, hashes: string[], url?: string): Pin => ({
  name,
  version,
  extras: [],
  applies: true,
  hashes,
  file: "pinned.txt",
  line,
  ...(url ? { url } : {}),
});

describe("pip download", () => {
  it("writes one line per pin with every hash, direct references kept", () => {
    expect(pipRequirementsText([pin("kat-config", "0.2.0", 1, [A, B]), pin("x", "1.0", 4, [C], "file:///w/x-1.0-py3-none-any.whl")])).toBe(
      `kat-config==0.2.0 --hash=sha256:${A} --hash=sha256:${B}\nx @ file:///w/x-1.0-py3-none-any.whl --hash=sha256:${C}\n`,
    );
  });

  it("asks pip for a === pin with ===, and for a locked non-PEP 440 version too", () => {
    expect(pipRequirementsText([{ ...pin("custom", "1.0-custom", 1, [A]), arbitrary: true }])).toBe(`custom===1.0-custom --hash=sha256:${A}\n`);
    expect(
      lockedRequirements([
        { name: "custom", version: "1.0-custom", file: "custom-1.0_custom-py3-none-any.whl", sha256: A },
        { name: "x", version: "1.0", file: "x-1.0-py3-none-any.whl", sha256: B },
      ]),
    ).toBe(`custom===1.0-custom --hash=sha256:${A}\nx==1.0 --hash=sha256:${B}\n`);
  });

  it("builds an isolated, exact, target-platform argv", () => {
    const argv = pipDownloadArgv({
      python: "/usr/bin/python3",
      index: "http://127.0.0.1:1/simple/",
      dest: "/t/d",
      requirementsFile: "/t/r.txt",
      target: BOOKWORM_AMD64,
    });
    expect(argv.slice(0, 4)).toEqual(["/usr/bin/python3", "-m", "pip", "download"]);
    for (const flag of ["--isolated", "--no-deps", "--require-hashes", "--no-cache-dir"]) expect(argv).toContain(flag);
    expect(argv.join(" ")).toContain(
      "--only-binary :all: --require-hashes --index-url http://127.0.0.1:1/simple/ --dest /t/d --python-version 3.11 --implementation cp --abi cp311 --platform manylinux_2_36_x86_64",
    );
    expect(argv.filter((a) => a === "--platform").length).toBe(36);
    expect(argv.slice(-2)).toEqual(["--requirement", "/t/r.txt"]);
  });

  it("turns pip's hash-mismatch and not-found reports into per-pin problems", () => {
    const out = [
      "Looking in indexes: http://127.0.0.1:8765/simple/ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated …",
      "    Kat_Config==0.2.0 from http://127.0.0.1:8765/files/kat_config-0.2.0-py3-none-any.whl (from -r req.txt (line 1)):",
      `        Expected sha256 ${A}`,
      `        Expected     or ${B}`,
      `             Got        ${C}`,
      "",
      "ERROR: No matching distribution found for ghost==1.0",
    ].join("\n");
    expect(pipProblems(out, [pin("kat-config", "0.2.0", 7, [A, B]), pin("ghost", "1.0", 9, [A])], "http://i/simple/")).toEqual([
      { file: "pinned.txt", line: 7, message: `kat-config==0.2.0: hash mismatch (expected ${A} or ${B}, got ${C})` },
      { file: "pinned.txt", line: 9, message: "ghost==1.0: no wheel for the target on http://i/simple/; publish one there, or fetch from a wheelhouse" },
    ]);
    expect(pipProblems("ERROR: network is down", [pin("ghost", "1.0", 9, [A])], "x")).toEqual([]);
  });
});
