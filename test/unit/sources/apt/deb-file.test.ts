import { describe, expect, it } from "vitest";
import { aptArchiveName, arFirstMtime, compareDebIds } from "../../../../src/sources/apt/deb-file.js";
import { diffInstalled } from "../../../../src/sources/apt/installed.js";

/** An ar archive's magic plus one member header with the given mtime. */
function arHead(mtime: string): Buffer {
  const h = `${"debian-binary/".padEnd(16)}${mtime.padEnd(12)}${"0".padEnd(6)}${"0".padEnd(6)}${"100644".padEnd(8)}${"4".padEnd(10)}\`\n`;
  return Buffer.from(`!<arch>\n${h}`, "latin1");
}

describe("deb files", () => {
  it("reads the build date from the first ar member header", () => {
    expect(arFirstMtime(arHead("1674565652"))).toBe(1674565652);
    expect(arFirstMtime(Buffer.from("PK\x03\x04 not an ar archive at all, long enough to be read here....."))).toBeUndefined();
    expect(arFirstMtime(arHead("1674565652").subarray(0, 40))).toBeUndefined();
    expect(arFirstMtime(arHead("x"))).toBeUndefined();
  });

  it("names files as apt does, quoting an epoch's colon", () => {
    expect(aptArchiveName({ name: "bsdutils", version: "1:2.38.1-5+deb12u3", arch: "amd64" })).toBe("bsdutils_1%3a2.38.1-5+deb12u3_amd64.deb");
  });

  it("orders by name, then arch, then version", () => {
    const ids = [
      { name: "b", version: "1", arch: "amd64" },
      { name: "a", version: "2", arch: "i386" },
      { name: "a", version: "1", arch: "amd64" },
      { name: "a-b", version: "1", arch: "all" },
    ];
    expect([...ids].sort(compareDebIds).map((d) => `${d.name}:${d.arch}`)).toEqual(["a:amd64", "a:i386", "a-b:all", "b:amd64"]);
  });
});

describe("diffInstalled", () => {
  it("is empty when the sets match, whatever the order", () => {
    const a = [
      { name: "x", version: "1", arch: "all" },
      { name: "y", version: "2", arch: "amd64" },
    ];
    expect(diffInstalled(a, [...a].reverse())).toEqual([]);
  });

  it("names missing, extra and wrong-version packages", () => {
    const installed = [
      { name: "x", version: "1", arch: "all" },
      { name: "extra", version: "3", arch: "amd64" },
      { name: "y", version: "2.1", arch: "amd64" },
    ];
    const expected = [
      { name: "x", version: "1", arch: "all" },
      { name: "y", version: "2", arch: "amd64" },
      { name: "gone", version: "1", arch: "amd64" },
    ];
    expect(diffInstalled(installed, expected)).toEqual([
      "installed but not locked: extra=3 (amd64)",
      "not installed: gone=1 (amd64)",
      "wrong version: y (amd64) is 2.1, the lock says 2",
    ]);
  });
});
