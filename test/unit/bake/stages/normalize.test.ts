import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalize } from "../../../../src/bake/stages/normalize.js";

describe("normalize", () => {
  let dir: string;
  let root: string;
  let outside: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kiln-normalize-"));
    root = join(dir, "root");
    outside = join(dir, "outside");
    const f = (p: string, text = "x") => {
      mkdirSync(join(p, ".."), { recursive: true });
      writeFileSync(p, text);
    };
    f(join(root, "usr/lib/python3/dist-packages/m/__pycache__/a.cpython-311.pyc"));
    f(join(root, "usr/lib/python3/dist-packages/m/__init__.py"));
    f(join(root, "opt/kat/venv/lib/old.pyc"));
    f(join(root, "usr/share/doc/keep.txt"));
    f(join(root, "var/log/dpkg.log"));
    f(join(root, "etc/ssh/ssh_host_ed25519_key"));
    f(join(root, "etc/ssh/sshd_config"));
    f(join(root, "etc/shadow"), "root:*:19999:0:99999:7:::\n");
    // Outside the image: reached only through symlinks, which must never be followed or removed.
    f(join(outside, "__pycache__/b.pyc"));
    f(join(outside, "c.pyc"));
    symlinkSync(outside, join(root, "usr/lib/ext"));
    symlinkSync(join(outside, "c.pyc"), join(root, "usr/lib/link.pyc"));
    await normalize({ root, epoch: 86400 * 20000 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("removes bytecode and __pycache__ directories, keeps sources", () => {
    expect(existsSync(join(root, "usr/lib/python3/dist-packages/m/__pycache__"))).toBe(false);
    expect(existsSync(join(root, "opt/kat/venv/lib/old.pyc"))).toBe(false);
    expect(existsSync(join(root, "usr/lib/python3/dist-packages/m/__init__.py"))).toBe(true);
    expect(existsSync(join(root, "usr/share/doc/keep.txt"))).toBe(true);
  });

  it("neither follows nor removes symlinks", () => {
    expect(lstatSync(join(root, "usr/lib/ext")).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(root, "usr/lib/link.pyc")).isSymbolicLink()).toBe(true);
    expect(existsSync(join(outside, "__pycache__/b.pyc"))).toBe(true);
    expect(existsSync(join(outside, "c.pyc"))).toBe(true);
  });

  it("removes logs and host keys, clamps shadow dates, empties machine-id", () => {
    expect(existsSync(join(root, "var/log/dpkg.log"))).toBe(false);
    expect(existsSync(join(root, "var/log"))).toBe(true);
    expect(existsSync(join(root, "etc/ssh/ssh_host_ed25519_key"))).toBe(false);
    expect(existsSync(join(root, "etc/ssh/sshd_config"))).toBe(true);
    expect(readFileSync(join(root, "etc/shadow"), "utf8")).toBe("root:*:20000:0:99999:7:::\n");
    expect(readFileSync(join(root, "etc/machine-id"), "utf8")).toBe("");
  });
});
