import { describe, expect, it } from "vitest";
import { localRepoSource, packagesIndex, packagesStanza } from "../../../../src/sources/apt/local-repo.js";
import { pinnedSpec } from "../../../../src/bake/stages/bootstrap.js";
import { parseDeb822, field } from "../../../../src/debian/deb822.js";

const control = (name: string, version: string) => ({
  name,
  version,
  arch: "amd64",
  text: `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\nDescription: x\n more\n`,
});

describe("local repository", () => {
  it("adds Filename, Size and SHA256 to each deb's control fields", () => {
    const s = parseDeb822(packagesStanza({ control: control("a", "1"), file: "abc.deb", size: 42, sha256: "f".repeat(64) }))[0]!;
    expect(field(s, "Package")).toBe("a");
    expect(field(s, "Description")).toBe("x\nmore");
    expect(field(s, "Filename")).toBe("./abc.deb");
    expect(field(s, "Size")).toBe("42");
    expect(field(s, "SHA256")).toBe("f".repeat(64));
  });

  it("sorts the index so the same debs give the same bytes in any order", () => {
    const debs = [control("b", "1"), control("a", "2")].map((c) => ({ control: c, file: `${c.name}.deb`, size: 1, sha256: "0".repeat(64) }));
    const idx = packagesIndex(debs);
    expect(idx).toBe(packagesIndex([...debs].reverse()));
    expect(parseDeb822(idx).map((s) => field(s, "Package"))).toEqual(["a", "b"]);
  });

  it("serves the directory as a trusted copy:// flat repository, percent-encoding the path", () => {
    expect(localRepoSource("/tmp/w/apt-repo")).toBe("deb [trusted=yes] copy:///tmp/w/apt-repo ./");
    expect(localRepoSource("/tmp/my dir/r")).toBe("deb [trusted=yes] copy:///tmp/my%20dir/r ./");
  });

  it("pins each locked deb by version, qualifying only foreign architectures", () => {
    const d = (arch: string) => ({ name: "p", version: "1:2", arch, sha256: "0".repeat(64) });
    expect(pinnedSpec(d("amd64"), "amd64")).toBe("p=1:2");
    expect(pinnedSpec(d("all"), "amd64")).toBe("p=1:2");
    expect(pinnedSpec(d("i386"), "amd64")).toBe("p:i386=1:2");
  });
});
