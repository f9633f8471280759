import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadRecipe } from "../../../src/recipe/load.js";
import { MIN, brief, problemsOf, tempDir, writeFiles } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let n = 0;
beforeAll(async () => ({ dir, cleanup } = await tempDir("recipe-load")));
afterAll(() => cleanup());

/** Writes a recipe (plus other files) into a fresh case directory; returns the recipe's path. */
function recipe(text: string, others: Record<string, string> = {}): Promise<string> {
  return writeFiles(join(dir, `case${n++}`), { "r.toml": text, ...others });
}

describe("a valid recipe", () => {
  test("gets every default filled", async () => {
    const r = await loadRecipe(await recipe(MIN));
    expect(r.image).toEqual({ name: "x", version: "1.0.0", arch: "amd64", ostype: "debian" });
    expect(r.base).toEqual({ suite: "bookworm", variant: "minbase", mirror: "host", components: ["main"], include: [] });
    expect(r.apt).toEqual({ packages: [] });
    expect(r.python).toBeUndefined();
    expect(r).toMatchObject({
      checkouts: [],
      files: [],
      run: [],
      services: { enable: [], disable: [] },
      verify: { commands: [], allowDegraded: [], timeout: 120 },
    });
    expect(r.extends).toEqual([]);
    expect(r.path).toMatch(/r\.toml$/);
  });

  test("converts modes, apt pins, relative file: URLs and entry defaults", async () => {
    const path = await recipe(
      `${MIN}
[apt]
packages = ["less=590-2.1~deb12u2", "openssh-server"]

[python]
venv = "/opt/v"
requirements = "req/pinned.txt"

[[checkout]]
name = "pkg"
kind = "svn"
url = "file:repos/svn/pkg/trunk"
dest = "/opt/pkg"
install = "pip"

[[checkout]]
name = "sim"
kind = "git"
url = "https://example.invalid/sim.git"
rev = "v1.0.0"
dest = "/opt/sim"

[[file]]
src = "files/a.service"
dest = "/etc/systemd/system/a.service"

[[file]]
src = "files/run.sh"
dest = "/usr/local/bin/run"
mode = "755"
owner = "1000:1000"

[verify]
allow_degraded = ["x.service"]
`,
      { "files/a.service": "[Unit]\n", "files/run.sh": "#!/bin/sh\n" },
    );
    const r = await loadRecipe(path);
    expect(r.apt.packages).toEqual([{ name: "less", version: "590-2.1~deb12u2" }, { name: "openssh-server" }]);
    expect(r.python).toEqual({ venv: "/opt/v", requirements: "req/pinned.txt" });
    expect(r.checkouts[0]).toEqual({
      name: "pkg",
      kind: "svn",
      url: pathToFileURL(join(path, "../repos/svn/pkg/trunk")).href,
      rev: "HEAD",
      dest: "/opt/pkg",
      install: "pip",
    });
    expect(r.checkouts[1]).toMatchObject({ url: "https://example.invalid/sim.git", rev: "v1.0.0", install: "none" });
    expect(r.files).toEqual([
      { src: "files/a.service", dest: "/etc/systemd/system/a.service", mode: 0o644, owner: "0:0" },
      { src: "files/run.sh", dest: "/usr/local/bin/run", mode: 0o755, owner: "1000:1000" },
    ]);
    expect(r.verify.allowDegraded).toEqual(["x.service"]);
  });

  test("the committed recipes load, and toy-kat extends cam-node", async () => {
    const cam = await loadRecipe("recipes/cam-node.toml");
    const toy = await loadRecipe("recipes/toy-kat.toml");
    expect(cam.image.name).toBe("cam-node");
    expect(toy.image).toEqual({ ...cam.image, name: "toy-kat" });
    expect(toy.extends).toEqual([cam.path]);
    expect(toy.apt.packages.slice(0, cam.apt.packages.length)).toEqual(cam.apt.packages);
    expect(toy.apt.packages.map((p) => p.name)).toContain("linux-image-amd64");
    expect(toy.services.enable).toEqual([...cam.services.enable, "serial-getty@ttyS0.service", "systemd-networkd.service"]);
    expect(toy.files.map((f) => f.dest)).toEqual([...cam.files.map((f) => f.dest), "/etc/systemd/network/80-toy-kat-dhcp.network"]);
    expect(toy.checkouts).toEqual(cam.checkouts);
  });
});

describe("bad input is refused with file:line: key", () => {
  test("a misspelt key gets the allowed keys and a suggestion; the missing one is reported too", async () => {
    const ps = await problemsOf(await recipe(`[image]\nname = "x"\nverison = "1.0.0"\n\n[base]\nsuite = "bookworm"\n`));
    expect(brief(ps)).toEqual([
      '1: image.version: missing: [image] needs version (e.g. version = "1.4.0")',
      '3: image.verison: unknown key "verison" (allowed in [image]: name, version, arch, ostype); did you mean "version"?',
    ]);
    expect(ps[0]?.file).toBe(join(dir, `case${n - 1}`, "r.toml"));
  });

  test("unknown sections, a table written as [[…]] and entries written as […]", async () => {
    const ps = await problemsOf(await recipe(`${MIN}\n[imgae]\nx = 1\n\n[checkout]\nname = "a"\n\n[[verify]]\ntimeout = 1\n`));
    expect(brief(ps)).toEqual([
      expect.stringMatching(/^8: imgae: unknown key "imgae" \(allowed at the top of a recipe: extends, image, base, .*\); did you mean "image"\?$/),
      "11: checkout: must be an array of tables: write [[checkout]] before each entry, got a table",
      "14: verify: must be a table: write [verify] once, got an array",
    ]);
  });

  test("wrong types name the expected type and what was found", async () => {
    const ps = await problemsOf(
      await recipe(
        `[image]\nname = 5\nversion = "1.0.0"\narch = "amd46"\n\n[base]\nsuite = "bookworm"\ncomponents = "main"\ninclude = ["ok-pkg", 1]\n\n[verify]\ntimeout = "120"\n`,
      ),
    );
    expect(brief(ps)).toEqual(
      [
        "2: image.name: must be a string, got integer 5",
        expect.stringMatching(/^4: image\.arch: must be one of "amd64", .*, got string "amd46"; did you mean "amd64"\?$/),
        'must be an array of strings, got string "main"',
        "9: base.include[1]: must be a string, got integer 1",
        'must be an integer, got string "120"',
      ].map((s, i) => (i === 2 ? `8: base.components: ${s}` : i === 4 ? `12: verify.timeout: ${s}` : s)),
    );
  });

  test("bad semver", async () => {
    for (const v of ["v1.0.0", "1.0", "1.0.0.0", "01.0.0", " 1.0.0"]) {
      const ps = await problemsOf(await recipe(MIN.replace('"1.0.0"', JSON.stringify(v))));
      expect(brief(ps)).toEqual([
        `3: image.version: ${JSON.stringify(v)} is not a valid semantic version: write MAJOR.MINOR.PATCH, e.g. "1.4.0" (no leading "v")`,
      ]);
    }
    await expect(loadRecipe(await recipe(MIN.replace('"1.0.0"', '"2.0.0-rc.1+build.5"')))).resolves.toBeTruthy();
  });

  test("destinations must be absolute, normalised, without '..'", async () => {
    const dests = ["opt/x", "/opt/../etc/x", "/opt//x", "/opt/x/", "/", "/opt/./x"];
    const text = dests.map((d, i) => `[[checkout]]\nname = "c${i}"\nkind = "git"\nurl = "https://h.invalid/r"\ndest = ${JSON.stringify(d)}\n`).join("\n");
    const ps = await problemsOf(await recipe(`${MIN}\n${text}\n[python]\nvenv = "venv"\n`));
    expect(brief(ps)).toEqual([
      "12: checkout[0].dest: must be an absolute path in the image (starting with '/'), got \"opt/x\"",
      "18: checkout[1].dest: must not contain '.' or '..' segments, got \"/opt/../etc/x\"",
      "24: checkout[2].dest: must be normalised (no '//' or trailing '/'): write \"/opt/x\"",
      "30: checkout[3].dest: must be normalised (no '//' or trailing '/'): write \"/opt/x\"",
      "36: checkout[4].dest: must not be the image root '/'",
      "42: checkout[5].dest: must not contain '.' or '..' segments, got \"/opt/./x\"",
      "45: python.venv: must be an absolute path in the image (starting with '/'), got \"venv\"",
    ]);
  });

  test("duplicate checkout names and file dests point at both lines", async () => {
    const entry = (name: string, dest: string) => `[[checkout]]\nname = "${name}"\nkind = "git"\nurl = "https://h.invalid/r"\ndest = "${dest}"\n`;
    const file = (dest: string) => `[[file]]\nsrc = "f"\ndest = "${dest}"\n`;
    const path = await recipe(`${MIN}\n${entry("a", "/a")}\n${entry("b", "/b")}\n${entry("a", "/c")}\n${file("/etc/f")}\n${file("/etc/f")}`, { f: "x" });
    expect(brief(await problemsOf(path))).toEqual([
      '21: checkout[2].name: "a" is listed twice (first as checkout[0] on line 8); remove one',
      '32: file[1].dest: "/etc/f" is listed twice (first as file[0] on line 26); remove one',
    ]);
  });

  test("apt packages: names, Debian versions (one per line), duplicates", async () => {
    const path = await recipe(`${MIN}\n[apt]\npackages = [\n  "ok",\n  "Bad_Name",\n  "x=1:",\n  "yy=abc",\n  "ok=1.0",\n]\n`);
    expect(brief(await problemsOf(path))).toEqual([
      expect.stringMatching(/^11: apt\.packages\[1\]: must be a Debian package name, optionally pinned as name=version .*, got "Bad_Name"$/),
      '12: apt.packages[2]: must be a Debian package name, optionally pinned as name=version (e.g. "openssh-server" or "less=590-2.1~deb12u2"), got "x=1:"',
      '13: apt.packages[3]: "abc" is not a valid Debian version (version number does not start with digit); e.g. "1:9.2p1-2+deb12u3"',
      '14: apt.packages[4]: "ok" is listed twice (first as apt.packages[0] on line 10); remove one',
    ]);
  });

  test("services, run steps and verify commands", async () => {
    const path = await recipe(
      `${MIN}\n[services]\nenable = ["ssh", "a.service"]\ndisable = ["a.service"]\n\n[[run]]\nargv = []\n\n[[run]]\nargv = "ls -l"\n\n[[run]]\n\n[verify]\ncommands = [["true"], [], [1], [""]]\n`,
    );
    expect(brief(await problemsOf(path))).toEqual(
      [
        expect.stringMatching(/^9: services\.enable\[0\]: must be a systemd unit name with its type .*, got "ssh"$/),
        '10: services.disable[0]: "a.service" is also enabled (services.enable[1] on line 9): keep it in one list',
        '13: run[0].argv: must not be empty: name the program, e.g. ["systemctl", "is-active", "ssh.service"]',
        'must be an array of strings (argv), got string "ls -l"',
        '18: run[2].argv: missing: every [[run]] needs argv (e.g. argv = ["systemctl", "set-default", "multi-user.target"])',
        '21: verify.commands[1]: must not be empty: name the program, e.g. ["systemctl", "is-active", "ssh.service"]',
        "21: verify.commands[2][0]: must be a string, got integer 1",
        "21: verify.commands[3][0]: the program name must not be empty",
      ].map((s, i) => (i === 3 ? `16: run[1].argv: ${s}` : s)),
    );
  });

  test("file modes, owners and sources", async () => {
    const f = (src: string, extra: string) => `[[file]]\nsrc = "${src}"\ndest = "/etc/${src.replace(/\W/g, "")}"\n${extra}\n`;
    const path = await recipe(
      `${MIN}\n${f("a", "mode = 644")}\n${f("b", 'mode = "0999"')}\n${f("c", 'mode = "17777"')}\n${f("d", 'owner = "root:root"')}\n${f("missing", "")}\n${f("/etc/abs", "")}`,
      { a: "", b: "", c: "", d: "" },
    );
    expect(brief(await problemsOf(path))).toEqual(
      [
        '11: file[0].mode: must be a quoted octal string such as "0644", got integer 644 (TOML integers are decimal)',
        '16: file[1].mode: must be an octal mode of 3 or 4 digits such as "0644" or "755", got "0999"',
        "21: file[2].mode: mode 17777 is above 07777",
        'must be a numeric "uid:gid" such as "0:0" (names are not resolved: the image\'s passwd is not read), got string "root:root"',
        `29: file[4].src: no such file "missing" (looked for "${join(path, "../missing")}")`,
        '34: file[5].src: must be a path relative to the recipe file, got "/etc/abs"',
      ].map((s, i) => (i === 3 ? `26: file[3].owner: ${s}` : s)),
    );
  });

  test("checkouts: pip needs [python], svn revisions, URLs", async () => {
    const c = (name: string, extra: string) => `[[checkout]]\nname = "${name}"\ndest = "/opt/${name}"\n${extra}\n`;
    const path = await recipe(
      `${MIN}\n${c("a", 'kind = "svn"\nurl = "svn://h.invalid/a/trunk"\nrev = "main"\ninstall = "pip"')}\n${c("b", 'kind = "git"\nurl = "https://u:secret@h.invalid/b.git"\nrev = "-x"')}\n${c("c", 'kind = "hg"\nurl = "ftp://h.invalid/c"')}\n${c("d", 'url = "file:"')}`,
    );
    const url = "must be a repository URL (file:, http(s)://, git://, ssh://, svn://, svn+ssh://), got";
    expect(brief(await problemsOf(path))).toEqual([
      '13: checkout[0].rev: must be "HEAD" or a revision number (svn), got "main"',
      '14: checkout[0].install: install = "pip" needs a [python] section with the venv to install into (or use install = "none")',
      "20: checkout[1].url: the URL carries a password: recipes are committed; use the VCS's credential store instead",
      `21: checkout[1].rev: must be a revision: branch, tag, commit, revision number or "HEAD" (not starting with '-'), got "-x"`,
      '26: checkout[2].kind: must be one of "git", "svn", got string "hg"',
      `27: checkout[2].url: ${url} "ftp://h.invalid/c"`,
      '29: checkout[3].kind: missing: every [[checkout]] needs kind (e.g. kind = "svn")',
      `32: checkout[3].url: ${url} "file:"`,
    ]);
  });

  test("every problem is reported at once, ordered by line", async () => {
    const path = await recipe(`[image]\nname = "Bad Name"\nversion = "x"\nbogus = 1\n\n[base]\nsuite = 7\nvariant = "tiny"\n`);
    const ps = await problemsOf(path);
    expect(ps.map((p) => p.key)).toEqual(["image.name", "image.version", "image.bogus", "base.suite", "base.variant"]);
    expect(ps.map((p) => p.line)).toEqual([2, 3, 4, 7, 8]);
  });

  test("a syntax error has the parser's line and column", async () => {
    const ps = await problemsOf(await recipe(`[image]\nname = "x"\nversion = \n`));
    expect(brief(ps)).toEqual([expect.stringMatching(/^3: -: not valid TOML \(column 11\): Unexpected character/)]);
  });

  test("a missing recipe file, and a recipe without its required tables", async () => {
    expect(brief(await problemsOf(join(dir, "nope.toml")))).toEqual(["-: -: no such recipe file"]);
    expect(brief(await problemsOf(await recipe(`[apt]\npackages = ["x1"]\n`)))).toEqual([
      "-: image: missing table [image]: every recipe (or one it extends) needs it, with name, version",
      "-: base: missing table [base]: every recipe (or one it extends) needs it, with suite",
    ]);
  });
});
