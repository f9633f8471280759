import { describe, expect, it } from "vitest";
import { normalizeMember, unsafeMembers } from "../../../src/sources/tarball.js";

describe("unsafeMembers", () => {
  it("accepts an ordinary tree, with or without ./ prefixes, including symlinks that point anywhere", () => {
    expect(
      unsafeMembers([
        { name: "./", type: "dir" },
        { name: "./src/", type: "dir" },
        { name: "./src/a.py", type: "file" },
        { name: "link", type: "symlink", linkTarget: "/etc/passwd" },
        { name: "hard", type: "hardlink", linkTarget: "./src/a.py" },
      ]),
    ).toEqual([]);
  });

  it("refuses absolute names, '..', devices, and hard links that escape", () => {
    expect(
      unsafeMembers([
        { name: "/etc/passwd", type: "file" },
        { name: "a/../../x", type: "file" },
        { name: "dev/null", type: "char" },
        { name: "h", type: "hardlink", linkTarget: "../outside" },
      ]),
    ).toEqual([
      "/etc/passwd: absolute path",
      "a/../../x: contains '..'",
      "dev/null: char entries are not allowed in a checkout",
      "h: hard-link target ../outside contains '..'",
    ]);
  });

  it("refuses writing through a symlink the archive created earlier", () => {
    expect(
      unsafeMembers([
        { name: "etc", type: "symlink", linkTarget: "/etc" },
        { name: "etc/cron.d/evil", type: "file" },
        { name: "h", type: "hardlink", linkTarget: "etc/shadow" },
      ]),
    ).toEqual(["etc/cron.d/evil: lies below a symlink", "h: hard-link target etc/shadow lies below a symlink"]);
  });

  it("normalises member names", () => {
    expect(normalizeMember("./")).toBe("");
    expect(normalizeMember(".")).toBe("");
    expect(normalizeMember("././a/b/")).toBe("a/b");
  });
});
