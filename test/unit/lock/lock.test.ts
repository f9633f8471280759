import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UserError } from "../../../src/errors.js";
import { assertFresh, lockDigest, lockPathFor, parseLock, readLock, serializeLock, writeLock } from "../../../src/lock/lock.js";
import type { Lock } from "../../../src/lock/types.js";
import { tempDir } from "../recipe/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir("lock")));
afterAll(() => cleanup());

const H = (c: string) => c.repeat(64);

const LOCK: Lock = {
  lockVersion: 1,
  base: { suite: "bookworm", variant: "minbase", arch: "amd64" },
  sourceDateEpoch: 1704067200,
  recipeSha256: H("a"),
  requirementsSha256: H("b"),
  debs: [
    { name: "zlib1g", version: "1:1.2.13.dfsg-1", arch: "amd64", sha256: H("1") },
    { name: "libc6", version: "2.36-9+deb12u4", arch: "i386", sha256: H("2") },
    { name: "libc6", version: "2.36-9+deb12u4", arch: "amd64", sha256: H("3") },
  ],
  wheels: [
    { name: "katcp-lite", version: "0.3.1", file: "katcp_lite-0.3.1-py3-none-any.whl", sha256: H("4") },
    { name: "kat-config", version: "0.2.0", file: "kat_config-0.2.0-py3-none-any.whl", sha256: H("5") },
  ],
  checkouts: [
    { name: "katpkg", kind: "svn", url: "file:///srv/svn/katpkg/trunk", revision: "4", sha256: H("6") },
    { name: "devsim", kind: "git", url: "file:///srv/git/devsim.git", revision: "440d814126bc341ab687034aa229fc122db45e4e", sha256: H("7") },
  ],
};

/** The problems parseLock reports for `value`, as `key: message`. */
function problems(value: unknown): string[] {
  try {
    parseLock(JSON.stringify(value), join(dir, "x.lock.json"));
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).problems.map((p) => `${p.key}: ${p.message}`);
  }
  throw new Error("parsed without problems");
}

describe("serializeLock", () => {
  test("is canonical: sorted keys and entries, two-space indent, trailing newline", () => {
    const text = serializeLock(LOCK);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.split("\n")[1]).toBe('  "base": {');
    const parsed = JSON.parse(text) as Lock;
    expect(parsed.debs.map((d) => `${d.name}:${d.arch}`)).toEqual(["libc6:amd64", "libc6:i386", "zlib1g:amd64"]);
    expect(parsed.wheels.map((w) => w.name)).toEqual(["kat-config", "katcp-lite"]);
    expect(parsed.checkouts.map((c) => c.name)).toEqual(["devsim", "katpkg"]);
    expect(Object.keys(parsed)).toEqual(["base", "checkouts", "debs", "lockVersion", "recipeSha256", "requirementsSha256", "sourceDateEpoch", "wheels"]);
  });

  test("equal locks give equal bytes whatever the order they were built in", () => {
    const shuffled: Lock = { ...LOCK, debs: [...LOCK.debs].reverse(), wheels: [...LOCK.wheels].reverse(), checkouts: [...LOCK.checkouts].reverse() };
    expect(serializeLock(shuffled)).toBe(serializeLock(LOCK));
    expect(lockDigest(shuffled)).toBe(lockDigest(LOCK));
    expect(lockDigest({ ...LOCK, sourceDateEpoch: 1 })).not.toBe(lockDigest(LOCK));
  });

  test("round-trips through parseLock", () => {
    const text = serializeLock(LOCK);
    expect(serializeLock(parseLock(text, "x.lock.json"))).toBe(text);
    expect(parseLock(serializeLock({ ...LOCK, requirementsSha256: null }), "x").requirementsSha256).toBeNull();
  });
});

describe("parseLock refuses bad shapes with key paths", () => {
  test("wrong digests, versions, revisions and types", () => {
    const bad = {
      ...LOCK,
      sourceDateEpoch: -1,
      recipeSha256: "ABC",
      debs: [
        { ...LOCK.debs[0], sha256: H("A") },
        { ...LOCK.debs[1], version: "abc" },
      ],
      wheels: [{ ...LOCK.wheels[0], name: "Katcp_Lite", file: "../x.whl" }],
      checkouts: [{ ...LOCK.checkouts[1], kind: "hg", revision: "main" }],
    };
    expect(problems(bad)).toEqual([
      "sourceDateEpoch: must be a whole number of seconds ≥ 0, got -1",
      'recipeSha256: must be a sha256 digest (64 lowercase hex), got "ABC"',
      `debs[0].sha256: must be a sha256 digest (64 lowercase hex), got "${H("A")}"`,
      'debs[1].version: must be a Debian version, got "abc"',
      'wheels[0].name: must be a PEP 503-normalised project name, got "Katcp_Lite"',
      'wheels[0].file: must be a wheel file name (*.whl, no directory), got "../x.whl"',
      'checkouts[0].kind: must be "git" or "svn", got "hg"',
      'checkouts[0].revision: must be a full git commit id or an SVN revision number, got "main"',
    ]);
  });

  test("unknown and missing keys, wrong version, duplicates", () => {
    const { wheels: _w, ...noWheels } = LOCK;
    expect(problems({ ...noWheels, lockVersion: 2, extra: true, debs: [LOCK.debs[0], LOCK.debs[0]], base: { suite: "bookworm", variant: "minbase" } })).toEqual(
      [
        "extra: unknown key (allowed: lockVersion, base, sourceDateEpoch, recipeSha256, requirementsSha256, debs, wheels, checkouts)",
        "lockVersion: must be 1 (the lock format this kiln reads), got 2",
        "base.arch: missing",
        "debs[1]: zlib1g:amd64 appears twice (also debs[0])",
        "wheels: missing",
      ],
    );
    expect(problems([])).toEqual(["undefined: must be an object, got an array"]);
  });

  test("not JSON: the line of the error, and the fix", () => {
    try {
      parseLock('{\n  "a": 1,\n  oops\n}\n', join(dir, "y.lock.json"));
      throw new Error("parsed");
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      const p = (e as UserError).problems[0];
      expect(p?.line).toBe(3);
      expect(p?.message).toMatch(/^not valid JSON .*: run kiln lock to write it again$/);
    }
  });
});

describe("files", () => {
  test("lockPathFor sits next to the recipe", () => {
    expect(lockPathFor("/p/recipes/cam-node.toml")).toBe("/p/recipes/cam-node.lock.json");
    expect(lockPathFor("toy-kat.toml")).toBe("toy-kat.lock.json");
  });

  test("writeLock writes atomically and leaves identical bytes alone", async () => {
    const path = join(dir, "sub", "r.lock.json");
    expect(await writeLock(path, LOCK)).toBe(true);
    expect(await readFile(path, "utf8")).toBe(serializeLock(LOCK));
    const before = await stat(path);
    await new Promise((r) => setTimeout(r, 20));
    expect(await writeLock(path, { ...LOCK, debs: [...LOCK.debs].reverse() })).toBe(false);
    const after = await stat(path);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
    expect(await writeLock(path, { ...LOCK, sourceDateEpoch: 5 })).toBe(true);
    expect((await readLock(path)).sourceDateEpoch).toBe(5);
  });

  test("readLock: a missing lock says to run kiln lock; a hand-edited one is refused", async () => {
    await expect(readLock(join(dir, "none.lock.json"))).rejects.toThrow(/no lock file: run kiln lock/);
    const path = join(dir, "edited.lock.json");
    await writeFile(path, serializeLock(LOCK).replace(H("1"), "short"));
    await expect(readLock(path)).rejects.toThrow(/debs\[2\]\.sha256: must be a sha256 digest[\s\S]*run it again rather than editing the lock/);
  });
});

describe("assertFresh", () => {
  const lockFile = "recipes/cam-node.lock.json";

  test("passes for the recipe and requirements it was made from", () => {
    expect(() => assertFresh(LOCK, { recipeSha256: H("a"), requirementsSha256: H("b"), lockFile })).not.toThrow();
  });

  test("names what changed, with both digests, and says to run kiln lock", () => {
    const err = (() => {
      try {
        assertFresh(LOCK, { recipeSha256: H("c"), requirementsSha256: H("b"), lockFile });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect((err as UserError).message).toBe(
      `lock recipes/cam-node.lock.json was made from a different recipe (recipe sha256 ${"a".repeat(12)}… ≠ ${"c".repeat(12)}…): run kiln lock`,
    );
    expect(() => assertFresh(LOCK, { recipeSha256: H("c"), requirementsSha256: null, lockFile })).toThrow(
      /different recipe and requirements \(recipe sha256 .*; requirements sha256 b{12}… ≠ none\): run kiln lock$/,
    );
    expect(() => assertFresh(LOCK, { recipeSha256: H("a"), requirementsSha256: H("d"), lockFile })).toThrow(/a different requirements \(requirements sha256/);
  });
});
