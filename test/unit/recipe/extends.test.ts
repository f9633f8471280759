import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loadRecipe, problemIn } from "../../../src/recipe/load.js";
import { MIN, brief, problemsOf, tempDir, writeFiles } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let n = 0;
beforeAll(async () => ({ dir, cleanup } = await tempDir("recipe-extends")));
afterAll(() => cleanup());

/** Writes a set of files into a fresh case directory; returns the directory. */
async function caseDir(files: Record<string, string>): Promise<string> {
  const d = join(dir, `case${n++}`);
  await writeFiles(d, files);
  return d;
}

const PARENT = `${MIN}
[apt]
packages = ["a1", "pinned=1.0-1"]

[python]
venv = "/opt/v"
requirements = "pins.txt"

[[checkout]]
name = "tool"
kind = "git"
url = "file:repos/tool.git"
dest = "/opt/tool"

[[checkout]]
name = "other"
kind = "git"
url = "file:repos/other.git"
dest = "/opt/other"

[[file]]
src = "files/unit.service"
dest = "/etc/systemd/system/unit.service"

[services]
enable = ["unit.service"]

[[run]]
argv = ["parent-step"]

[verify]
commands = [["parent-check"]]
timeout = 60
`;

test("scalars override, lists append, same name/dest/package replaces in place", async () => {
  const d = await caseDir({
    "base/parent.toml": PARENT,
    "base/files/unit.service": "parent\n",
    "child/child.toml": `extends = "../base/parent.toml"

[image]
name = "child"

[apt]
packages = ["pinned=2.0-1", "c1"]

[[checkout]]
name = "tool"
kind = "svn"
url = "file:svn/tool/trunk"
rev = "7"
dest = "/opt/tool"

[[file]]
src = "unit.service"
dest = "/etc/systemd/system/unit.service"
mode = "0600"

[services]
enable = ["unit.service", "extra.service"]

[[run]]
argv = ["child-step"]

[verify]
commands = [["child-check"]]
`,
    "child/unit.service": "child\n",
  });
  const r = await loadRecipe(join(d, "child/child.toml"));
  expect(r.extends).toEqual([join(d, "base/parent.toml")]);
  expect(r.image).toEqual({ name: "child", version: "1.0.0", arch: "amd64", ostype: "debian" });
  expect(r.apt.packages).toEqual([{ name: "a1" }, { name: "pinned", version: "2.0-1" }, { name: "c1" }]);
  // Paths written in the parent stay relative to the parent, rebased onto the child's directory.
  expect(r.python).toEqual({ venv: "/opt/v", requirements: "../base/pins.txt" });
  expect(r.checkouts).toEqual([
    { name: "tool", kind: "svn", url: pathToFileURL(join(d, "child/svn/tool/trunk")).href, rev: "7", dest: "/opt/tool", install: "none" },
    { name: "other", kind: "git", url: pathToFileURL(join(d, "base/repos/other.git")).href, rev: "HEAD", dest: "/opt/other", install: "none" },
  ]);
  expect(r.files).toEqual([{ src: "unit.service", dest: "/etc/systemd/system/unit.service", mode: 0o600, owner: "0:0" }]);
  expect(r.services.enable).toEqual(["unit.service", "extra.service"]);
  expect(r.run).toEqual([{ argv: ["parent-step"] }, { argv: ["child-step"] }]);
  expect(r.verify).toEqual({ commands: [["parent-check"], ["child-check"]], allowDegraded: [], timeout: 60 });
});

test("chains nest, outermost last in Recipe.extends", async () => {
  const d = await caseDir({
    "a.toml": `extends = "b.toml"\n[image]\nname = "a"\n`,
    "b.toml": `extends = "sub/c.toml"\n[image]\nversion = "2.0.0"\n[base]\nvariant = "apt"\n`,
    "sub/c.toml": MIN,
  });
  const r = await loadRecipe(join(d, "a.toml"));
  expect(r.extends).toEqual([join(d, "b.toml"), join(d, "sub/c.toml")]);
  expect(r.image).toMatchObject({ name: "a", version: "2.0.0" });
  expect(r.base).toMatchObject({ suite: "bookworm", variant: "apt" });
});

test("cycles are refused, naming the chain", async () => {
  const d = await caseDir({ "a.toml": `extends = "b.toml"\n${MIN}`, "b.toml": `extends = "a.toml"\n`, "self.toml": `extends = "self.toml"\n${MIN}` });
  expect(brief(await problemsOf(join(d, "a.toml")))).toEqual([
    `1: extends: extends cycle: ${join(d, "a.toml")} → ${join(d, "b.toml")} → ${join(d, "a.toml")}; a recipe cannot build on itself`,
  ]);
  expect(brief(await problemsOf(join(d, "self.toml")))).toEqual([
    `1: extends: extends cycle: ${join(d, "self.toml")} → ${join(d, "self.toml")}; a recipe cannot build on itself`,
  ]);
});

test("a missing or bad parent is reported where extends is written", async () => {
  const d = await caseDir({ "a.toml": `extends = "nope.toml"\n${MIN}`, "b.toml": `extends = "/abs.toml"\n${MIN}`, "c.toml": `extends = 3\n${MIN}` });
  expect(brief(await problemsOf(join(d, "a.toml")))).toEqual([`1: extends: no such file "nope.toml" (looked for ${join(d, "nope.toml")})`]);
  expect(brief(await problemsOf(join(d, "b.toml")))).toEqual(['1: extends: must be a path relative to the recipe file, got "/abs.toml"']);
  expect(brief(await problemsOf(join(d, "c.toml")))).toEqual(["1: extends: must be a relative path string, got integer 3"]);
});

test("problems in a parent are reported in the parent's file, after the child's", async () => {
  const d = await caseDir({
    "child.toml": `extends = "parent.toml"\n[image]\nnmae = "c"\n`,
    "parent.toml": `${MIN}\n[verify]\ntimeout = 0\n`,
  });
  const ps = await problemsOf(join(d, "child.toml"));
  expect(ps.map((p) => `${p.file}:${p.line}: ${p.key}`)).toEqual([`${join(d, "child.toml")}:3: image.nmae`, `${join(d, "parent.toml")}:9: verify.timeout`]);
});

test("a child's checkout that needs [python] may rely on the parent's; a syntax error in the parent stops the merge", async () => {
  const d = await caseDir({
    "ok.toml": `extends = "py.toml"\n[[checkout]]\nname = "p"\nkind = "git"\nurl = "https://h.invalid/p"\ndest = "/opt/p"\ninstall = "pip"\n`,
    "py.toml": `${MIN}\n[python]\nvenv = "/opt/v"\n`,
    "broken-child.toml": `extends = "broken.toml"\n`,
    "broken.toml": `[image\n`,
  });
  await expect(loadRecipe(join(d, "ok.toml"))).resolves.toMatchObject({ checkouts: [{ install: "pip" }] });
  // Only the syntax error: not "missing table [image]" for what could not be read.
  expect(brief(await problemsOf(join(d, "broken-child.toml")))).toEqual([expect.stringMatching(/^1: -: not valid TOML/)]);
});

test("problemIn places a merged entry at the line of the file that wrote it", async () => {
  const d = await caseDir({
    "base/parent.toml": PARENT,
    "base/files/unit.service": "x",
    "child.toml": `extends = "base/parent.toml"\n\n[[checkout]]\nname = "mine"\nkind = "git"\nurl = "https://h.invalid/m"\ndest = "/opt/m"\n`,
  });
  const r = await loadRecipe(join(d, "child.toml"));
  expect(problemIn(r, "checkout[1].url", "gone")).toEqual({ file: join(d, "base/parent.toml"), line: 24, key: "checkout[1].url", message: "gone" });
  expect(problemIn(r, "checkout[2].url", "gone")).toMatchObject({ file: join(d, "child.toml"), line: 6, key: "checkout[0].url" });
  expect(problemIn(r, "python.requirements", "missing")).toMatchObject({ file: join(d, "base/parent.toml"), line: 13 });
  expect(problemIn(r, "image.name", "x")).toMatchObject({ file: join(d, "base/parent.toml"), line: 2 });
});
