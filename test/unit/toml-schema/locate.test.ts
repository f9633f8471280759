import { expect, test } from "vitest";
import { locator } from "../../../src/toml-schema/locate.js";
import { closest, editDistance } from "../../../src/toml-schema/suggest.js";

const SRC = `# comment with [brackets] and key = "x"
top = "a # not a comment"

[image]
name = "x"   # trailing comment
"quoted.key" = 1
dotted.sub = 2

[[checkout]]
name = "a"

[[checkout]]
name = 'b'
url = """
multi [line]
"""
dest = "/x"

[apt]
packages = [
  "one",   # comment, with a comma
  "two",
  { name = "three" },
]
nested = [["a", "b"],
  ["c"]]

[server.inner]
k = 1
`;

test("locates headers, keys, entries of arrays of tables, and array elements", () => {
  const at = locator(SRC);
  expect(at("top")).toBe(2);
  expect(at("image")).toBe(4);
  expect(at("image.name")).toBe(5);
  expect(at("image.quoted.key")).toBe(6);
  expect(at("image.dotted.sub")).toBe(7);
  expect(at("checkout")).toBe(9);
  expect(at("checkout[0]")).toBe(9);
  expect(at("checkout[0].name")).toBe(10);
  expect(at("checkout[1]")).toBe(12);
  expect(at("checkout[1].url")).toBe(14);
  // Lines inside the multi-line string are counted.
  expect(at("checkout[1].dest")).toBe(17);
  expect(at("apt.packages")).toBe(20);
  expect(at("apt.packages[0]")).toBe(21);
  expect(at("apt.packages[1]")).toBe(22);
  expect(at("apt.packages[2].name")).toBe(23);
  expect(at("apt.nested[0][1]")).toBe(25);
  expect(at("apt.nested[1][0]")).toBe(26);
  expect(at("server.inner.k")).toBe(29);
});

test("an unknown key falls back to its nearest enclosing key", () => {
  const at = locator(SRC);
  expect(at("checkout[1].missing")).toBe(12);
  expect(at("apt.packages[9]")).toBe(20);
  expect(at("image.name[3].x")).toBe(5);
  expect(at("nothing.here")).toBeUndefined();
});

test("suggestions: close typos only, transpositions count once", () => {
  expect(editDistance("verison", "version")).toBe(1);
  expect(closest("verison", ["name", "version", "arch"])).toBe("version");
  expect(closest("Name", ["name", "version"])).toBe("name");
  expect(closest("checkouts", ["checkout", "file"])).toBe("checkout");
  expect(closest("zzz", ["name", "version"])).toBeUndefined();
});
