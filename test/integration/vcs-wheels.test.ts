// Real git, svn and pip against repositories and wheelhouses built in temp dirs.
// The offline steps (checkoutFromCache, wheelhouseFromCache) run after the origins are deleted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/exec/run.js";
import { UserError } from "../../src/errors.js";
import { exportGit, mirrorPath, resolveGit } from "../../src/sources/git.js";
import { exportSvn, resolveSvn } from "../../src/sources/svn.js";
import { checkoutFromCache, checkoutTarball } from "../../src/sources/checkouts.js";
import { listTar } from "../../src/sources/tarball.js";
import { fetchWheels, wheelhouseFromCache, wheelPath } from "../../src/sources/wheels.js";
import { loadRequirements } from "../../src/requirements/index.js";
import { sha256File } from "../../src/util/hash.js";
import { startIndex } from "../support/pep503-server.js";
import type { LockedCheckout, LockedWheel } from "../../src/lock/types.js";

let root: string;
const timings: Record<string, number> = {};

/** Runs fn and records its wall time under `name` (printed at the end, for the report). */
async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = Math.round(performance.now() - t0);
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "kiln-vcs-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  process.stderr.write(`vcs-wheels timings (ms): ${JSON.stringify(timings)}\n`);
});

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("git", () => {
  const T1 = 1_700_000_000;
  let origin: string;
  let url: string;
  const ids: Record<string, string> = {};

  /** Commits everything in the origin work tree at a fixed date, so commit ids are the same every run. */
  async function commit(msg: string, when: number): Promise<string> {
    const env = {
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.invalid",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.invalid",
      GIT_AUTHOR_DATE: `@${when} +0000`,
      GIT_COMMITTER_DATE: `@${when} +0000`,
      GIT_CONFIG_GLOBAL: "/dev/null",
    };
    await run(["git", "-C", origin, "add", "-A"], { env });
    await run(["git", "-C", origin, "commit", "-q", "-m", msg], { env });
    return (await run(["git", "-C", origin, "rev-parse", "HEAD"])).stdout.trim();
  }

  beforeAll(async () => {
    origin = join(root, "origin");
    url = `file://${origin}`;
    await mkdir(join(origin, "bin"), { recursive: true });
    await run(["git", "init", "-q", "-b", "main", origin], { env: { GIT_CONFIG_GLOBAL: "/dev/null" } });
    await writeFile(join(origin, "README"), "devsim\n");
    await writeFile(join(origin, "bin", "devsim"), "#!/bin/sh\necho '!watchdog ok'\n");
    await chmod(join(origin, "bin", "devsim"), 0o755);
    await symlink("bin/devsim", join(origin, "run"));
    // export-subst must not leak ref names (which move) into the export.
    await writeFile(join(origin, ".gitattributes"), "VERSION export-subst\n");
    await writeFile(join(origin, "VERSION"), "$Format:%D$\n");
    ids.v1 = await commit("one", T1);
    await run(["git", "-C", origin, "tag", "-a", "-m", "release 1", "v1"], {
      env: { GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid", GIT_COMMITTER_DATE: `@${T1} +0000`, GIT_CONFIG_GLOBAL: "/dev/null" },
    });
    await run(["git", "-C", origin, "checkout", "-q", "-b", "feature"]);
    await writeFile(join(origin, "feature.txt"), "f\n");
    ids.feature = await commit("feature", T1 + 100);
    await run(["git", "-C", origin, "checkout", "-q", "main"]);
    await writeFile(join(origin, "README"), "devsim 2\n");
    ids.main = await commit("two", T1 + 200);
  });

  it("resolves branches, annotated tags, HEAD and full or short commits to full commit ids", async () => {
    const cache = join(root, "cache-git");
    const first = await timed("git resolve (clone --mirror)", () => resolveGit({ url, rev: "main", cache }));
    expect(first).toEqual({ revision: ids.main, commitTime: T1 + 200 });
    const again = await timed("git resolve (fetch, no change)", () => resolveGit({ url, rev: "main", cache }));
    expect(again.revision).toBe(ids.main);
    expect((await resolveGit({ url, rev: "v1", cache })).revision).toBe(ids.v1);
    expect(await resolveGit({ url, rev: "feature", cache })).toEqual({ revision: ids.feature, commitTime: T1 + 100 });
    expect((await resolveGit({ url, rev: "HEAD", cache })).revision).toBe(ids.main);
    expect((await resolveGit({ url, rev: ids.v1!, cache })).revision).toBe(ids.v1);
    expect((await resolveGit({ url, rev: ids.feature!.slice(0, 9), cache })).revision).toBe(ids.feature);
  });

  it("says which refs exist when a rev does not, and refuses option-like revs", async () => {
    const cache = join(root, "cache-git");
    const e = await rejection(resolveGit({ url, rev: "nope", cache }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain(`rev "nope" is not a branch, tag or commit there (known: feature, main, v1)`);
    const o = await rejection(resolveGit({ url, rev: "--upload-pack=touch /tmp/x", cache }));
    expect(o).toBeInstanceOf(UserError);
    expect(await rejection(resolveGit({ url: "ext::sh -c touch% /tmp/pwned", rev: "main", cache }))).toBeInstanceOf(UserError);
  });

  it("picks up new commits on the next resolve (fetch --prune)", async () => {
    const cache = join(root, "cache-git-update");
    expect((await resolveGit({ url, rev: "main", cache })).revision).toBe(ids.main);
    await writeFile(join(origin, "new.txt"), "n\n");
    const next = await commit("three", T1 + 300);
    expect((await resolveGit({ url, rev: "main", cache })).revision).toBe(next);
    await run(["git", "-C", origin, "reset", "-q", "--hard", ids.main!]);
    expect((await resolveGit({ url, rev: "main", cache })).revision).toBe(ids.main);
  });

  it("exports deterministically (same sha256 from a second export and from a fresh mirror) and checks out offline", async () => {
    const cacheA = join(root, "cache-git");
    const cacheB = join(root, "cache-git-b");
    const a = await timed("git export", () => exportGit({ cache: cacheA, url, revision: ids.main! }));
    expect(a.tarball).toBe(checkoutTarball(cacheA, a.sha256));
    await rm(a.tarball);
    const a2 = await exportGit({ cache: cacheA, url, revision: ids.main! });
    expect(a2.sha256).toBe(a.sha256);
    await resolveGit({ url, rev: "main", cache: cacheB });
    const b = await exportGit({ cache: cacheB, url, revision: ids.main! });
    expect(b.sha256).toBe(a.sha256);
    // A different revision gives a different export.
    expect((await exportGit({ cache: cacheA, url, revision: ids.feature! })).sha256).not.toBe(a.sha256);

    // Delete the origin and the mirror: bake needs only the tarball.
    await rm(origin, { recursive: true, force: true });
    await rm(mirrorPath(cacheA, url), { recursive: true, force: true });
    const locked: LockedCheckout = { name: "devsim", kind: "git", url, revision: ids.main!, sha256: a.sha256 };
    const dest = join(root, "rootfs-git", "opt", "devsim");
    await timed("git checkoutFromCache", () => checkoutFromCache({ cache: cacheA, lockedCheckout: locked, dest }));
    expect(await readFile(join(dest, "README"), "utf8")).toBe("devsim 2\n");
    expect((await lstat(join(dest, "bin", "devsim"))).mode & 0o777).toBe(0o755);
    expect((await lstat(join(dest, "README"))).mode & 0o777).toBe(0o644);
    expect(await readlink(join(dest, "run"))).toBe("bin/devsim");
    expect(await readFile(join(dest, "VERSION"), "utf8")).toBe("$Format:%D$\n");
    expect((await listTar(a.tarball)).map((m) => m.name).sort()).toEqual([".gitattributes", "README", "VERSION", "bin/", "bin/devsim", "run"]);

    // Not empty → refused; missing from another cache → says run kiln fetch.
    expect((await rejection(checkoutFromCache({ cache: cacheA, lockedCheckout: locked, dest }))).message).toMatch(/is not empty/);
    const missing = await rejection(checkoutFromCache({ cache: join(root, "empty-cache"), lockedCheckout: locked, dest: join(root, "d2") }));
    expect(missing).toBeInstanceOf(UserError);
    expect(missing.message).toMatch(/^checkout devsim \(git file:\/\/.* @ [0-9a-f]{40}\): missing from the cache .*; run kiln fetch$/);
  });
});

describe("svn", () => {
  const T1 = 1_700_000_000;
  let repo: string;
  let url: string;

  /** Sets a revision's date, so commit times (and so the tarball mtimes) are the same every run. */
  async function setDate(rev: number, when: number): Promise<void> {
    const f = join(root, `date-${rev}`);
    await writeFile(f, new Date(when * 1000).toISOString().replace(/\.\d+Z$/, ".000000Z"));
    await run(["svnadmin", "setrevprop", repo, "-r", String(rev), "svn:date", f]);
  }

  beforeAll(async () => {
    repo = join(root, "svnrepo");
    url = `file://${repo}`;
    await run(["svnadmin", "create", repo]);
    const src = join(root, "svn-src");
    await mkdir(join(src, "pkg", "katcp_lite"), { recursive: true });
    await mkdir(join(src, "pkg", "empty"));
    await writeFile(join(src, "pkg", "setup.py"), "from setuptools import setup\nsetup()\n");
    await writeFile(join(src, "pkg", "katcp_lite", "__init__.py"), "# $Date$\n");
    await writeFile(join(src, "pkg", "run.sh"), "#!/bin/sh\n");
    await chmod(join(src, "pkg", "run.sh"), 0o755);
    await run(["svn", "import", "-q", "--non-interactive", "-m", "import", join(src, "pkg"), `${url}/trunk/pkg`]);
    await setDate(1, T1);
    // r2 changes something outside the subtree: HEAD moves, the subtree does not.
    await run(["svn", "mkdir", "-q", "--non-interactive", "-m", "other", `${url}/trunk/other`]);
    await setDate(2, T1 + 100);
  });

  it("resolves HEAD and a number to the subtree's last-changed revision and its date", async () => {
    const head = await timed("svn resolve", () => resolveSvn({ url: `${url}/trunk/pkg`, rev: "HEAD" }));
    expect(head).toEqual({ revision: "1", commitTime: T1 });
    expect(await resolveSvn({ url: `${url}/trunk/pkg`, rev: "2" })).toEqual({ revision: "1", commitTime: T1 });
    expect(await resolveSvn({ url: `${url}/trunk`, rev: "HEAD" })).toEqual({ revision: "2", commitTime: T1 + 100 });
    expect(await resolveSvn({ url: `${url}/trunk`, rev: "1" })).toEqual({ revision: "1", commitTime: T1 });
  });

  it("reports a wrong URL or revision as bad input", async () => {
    const e = await rejection(resolveSvn({ url: `${url}/trunk/nope`, rev: "HEAD" }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/^svn file:.*\/trunk\/nope@HEAD: E\d+: .*fix the checkout's url or rev$/);
    expect(await rejection(resolveSvn({ url: `${url}/trunk/pkg`, rev: "99" }))).toBeInstanceOf(UserError);
    expect((await rejection(resolveSvn({ url: `${url}/trunk/pkg`, rev: "{2024-01-01}" }))).message).toMatch(/must be HEAD or a revision number/);
  });

  it("exports deterministically whatever the umask, and checks out offline", async () => {
    const cache = join(root, "cache-svn");
    const pkg = `${url}/trunk/pkg`;
    const a = await timed("svn export", () => exportSvn({ cache, url: pkg, revision: "1" }));
    await rm(a.tarball);
    const old = process.umask(0o077);
    let b: Awaited<ReturnType<typeof exportSvn>>;
    try {
      b = await exportSvn({ cache, url: pkg, revision: "1" });
    } finally {
      process.umask(old);
    }
    expect(b.sha256).toBe(a.sha256);
    // With the locked sha256 already cached, nothing is fetched (this would fail after the repo is gone).
    await rm(repo, { recursive: true, force: true });
    expect((await exportSvn({ cache, url: pkg, revision: "1", sha256: a.sha256 })).sha256).toBe(a.sha256);

    const locked: LockedCheckout = { name: "katcp-lite", kind: "svn", url: pkg, revision: "1", sha256: a.sha256 };
    const dest = join(root, "rootfs-svn", "opt", "katcp-lite");
    await checkoutFromCache({ cache, lockedCheckout: locked, dest });
    expect(await readFile(join(dest, "setup.py"), "utf8")).toContain("setup()");
    expect((await lstat(join(dest, "run.sh"))).mode & 0o777).toBe(0o755);
    expect((await lstat(join(dest, "setup.py"))).mode & 0o777).toBe(0o644);
    expect((await lstat(join(dest, "empty"))).isDirectory()).toBe(true);
    expect((await lstat(join(dest, "setup.py"))).mtimeMs / 1000).toBe(T1);
  });
});

/** Writes a small valid wheel (METADATA, WHEEL, RECORD with real hashes) with python3's zipfile CLI. */
async function makeWheel(o: {
  dir: string;
  name: string;
  version: string;
  tag?: string;
  requires?: readonly string[];
  extras?: readonly string[];
  salt?: string;
}): Promise<string> {
  const dist = o.name.replace(/-/g, "_");
  const stage = await mkdtemp(join(root, "wheel-src-"));
  const info = `${dist}-${o.version}.dist-info`;
  const files: Record<string, string> = {
    [`${dist}/__init__.py`]: `VERSION = "${o.version}"${o.salt ? ` # ${o.salt}` : ""}\n`,
    [`${info}/METADATA`]: [
      "Metadata-Version: 2.1",
      `Name: ${o.name}`,
      `Version: ${o.version}`,
      "Requires-Python: >=3.9",
      ...(o.extras ?? []).map((e) => `Provides-Extra: ${e}`),
      ...(o.requires ?? []).map((r) => `Requires-Dist: ${r}`),
      "",
    ].join("\n"),
    [`${info}/WHEEL`]: `Wheel-Version: 1.0\nGenerator: kiln-test\nRoot-Is-Purelib: true\nTag: ${o.tag ?? "py3-none-any"}\n`,
  };
  const b64 = (s: string) => createHash("sha256").update(s).digest("base64url");
  files[`${info}/RECORD`] = [...Object.entries(files).map(([p, c]) => `${p},sha256=${b64(c)},${Buffer.byteLength(c)}`), `${info}/RECORD,,`, ""].join("\n");
  for (const [p, c] of Object.entries(files)) {
    await mkdir(join(stage, p, ".."), { recursive: true });
    await writeFile(join(stage, p), c);
  }
  const file = `${dist}-${o.version}-${o.tag ?? "py3-none-any"}.whl`;
  await mkdir(o.dir, { recursive: true });
  await run(["python3", "-m", "zipfile", "-c", join(o.dir, file), join(stage, dist), join(stage, info)]);
  await rm(stage, { recursive: true, force: true });
  return join(o.dir, file);
}

/** `name==version --hash=…` lines for pinned wheel files, plus extra raw lines. */
async function pinLines(entries: readonly { req: string; files: readonly string[] }[]): Promise<string> {
  const lines = await Promise.all(
    entries.map(async (e) => [e.req, ...(await Promise.all(e.files.map(async (f) => `--hash=sha256:${await sha256File(f)}`)))].join(" \\\n    ")),
  );
  return `${lines.join("\n")}\n`;
}

describe("wheels", () => {
  let house: string;
  let pinned: string;
  let expected: LockedWheel[];
  let ids: Record<string, string>;

  beforeAll(async () => {
    house = join(root, "wheelhouse");
    const app = await makeWheel({
      dir: house,
      name: "kat-app",
      version: "1.0",
      requires: ["kat-lib>=1.0", 'kat-extra-dep; extra == "fast"', 'win-only; sys_platform == "win32"'],
      extras: ["fast"],
    });
    const libPure = await makeWheel({ dir: house, name: "kat-lib", version: "1.0" });
    const libBin = await makeWheel({ dir: house, name: "kat-lib", version: "1.0", tag: "cp311-cp311-manylinux_2_17_x86_64" });
    await makeWheel({ dir: house, name: "kat-lib", version: "2.0" });
    await makeWheel({ dir: house, name: "kat-lib", version: "1.0", tag: "cp312-cp312-manylinux_2_17_x86_64" });
    const dep = await makeWheel({ dir: house, name: "kat-extra-dep", version: "0.1" });
    pinned = join(root, "pinned.txt");
    await writeFile(
      pinned,
      `${await pinLines([
        { req: "kat-app[fast]==1.0", files: [app] },
        { req: "kat-extra-dep==0.1", files: [dep] },
        { req: "kat-lib==1.0", files: [libPure, libBin] },
      ])}win-only==3.0 ; sys_platform == "win32" --hash=sha256:${"0".repeat(64)}\n`,
    );
    ids = { app: await sha256File(app), dep: await sha256File(dep), libBin: await sha256File(libBin) };
    expected = [
      { name: "kat-app", version: "1.0", file: "kat_app-1.0-py3-none-any.whl", sha256: ids.app! },
      { name: "kat-extra-dep", version: "0.1", file: "kat_extra_dep-0.1-py3-none-any.whl", sha256: ids.dep! },
      { name: "kat-lib", version: "1.0", file: "kat_lib-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", sha256: ids.libBin! },
    ];
  });

  it("takes exactly the pinned, best-matching wheel of each applicable pin from a wheelhouse, then reuses the cache", async () => {
    const cache = join(root, "cache-wheels");
    const requirements = await loadRequirements(pinned);
    const got = await timed("wheels from wheelhouse (3 wheels)", () => fetchWheels({ requirements, from: { wheelhouse: house }, cache }));
    expect(got).toEqual(expected);
    for (const w of got) expect(await sha256File(wheelPath(cache, w))).toBe(w.sha256);
    const mtimes = await Promise.all(got.map(async (w) => (await stat(wheelPath(cache, w))).mtimeMs));
    // Nothing changed: the cache serves every pin, even with the wheelhouse gone, and nothing is rewritten.
    const again = await timed("wheels, all cached", () => fetchWheels({ requirements, from: { wheelhouse: join(root, "no-such-house") }, cache }));
    expect(again).toEqual(expected);
    expect(await Promise.all(got.map(async (w) => (await stat(wheelPath(cache, w))).mtimeMs))).toEqual(mtimes);
    expect(await readdir(join(cache, "wheels"))).toEqual([ids.app, ids.dep, ids.libBin].sort());
  });

  it("reports a hash mismatch with the pin's file:line", async () => {
    const bad = join(root, "pinned-bad-hash.txt");
    const text = (await readFile(pinned, "utf8")).replace(ids.app!, "a".repeat(64));
    await writeFile(bad, text);
    const e = await rejection(fetchWheels({ requirements: await loadRequirements(bad), from: { wheelhouse: house }, cache: join(root, "cache-bad") }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message.split("\n")[0]).toBe(
      `${bad}:1: kat-app==1.0: hash mismatch (expected ${"a".repeat(64)}, got ${ids.app} for kat_app-1.0-py3-none-any.whl)`,
    );
    expect(await readdir(join(root, "cache-bad", "wheels")).catch(() => [])).toEqual([]);
  });

  it("reports every missing or unrunnable wheel at once", async () => {
    const house2 = join(root, "wheelhouse2");
    const only312 = await makeWheel({ dir: house2, name: "fast-ext", version: "1.0", tag: "cp312-cp312-manylinux_2_17_x86_64" });
    const f = join(root, "pinned-missing.txt");
    await writeFile(f, `${await pinLines([{ req: "fast-ext==1.0", files: [only312] }])}ghost==1.0 --hash=sha256:${"1".repeat(64)}\n`);
    const e = await rejection(fetchWheels({ requirements: await loadRequirements(f), from: { wheelhouse: house2 }, cache: join(root, "cache-missing") }));
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      "1: fast-ext==1.0: no wheel in wheelhouse " +
        house2 +
        " runs on CPython 3.11 on x86_64 (glibc 2.36) (found fast_ext-1.0-cp312-cp312-manylinux_2_17_x86_64.whl); build one for the target",
      `3: ghost==1.0: no wheel in wheelhouse ${house2}; add the pinned wheel there or change the pin`,
    ]);
  });

  it("runs the closure check on METADATA and names the chain of a gap", async () => {
    const house3 = join(root, "wheelhouse3");
    const top = await makeWheel({ dir: house3, name: "kat-top", version: "2.0", requires: ["kat-mid==1.*"] });
    const mid = await makeWheel({ dir: house3, name: "kat-mid", version: "1.2", requires: ["kat-unpinned>=0.5"] });
    const f = join(root, "pinned-gap.txt");
    await writeFile(
      f,
      await pinLines([
        { req: "kat-top==2.0", files: [top] },
        { req: "kat-mid==1.2", files: [mid] },
      ]),
    );
    const e = await rejection(fetchWheels({ requirements: await loadRequirements(f), from: { wheelhouse: house3 }, cache: join(root, "cache-gap") }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message.split("\n")[0]).toBe(`${f}:3: kat-top==2.0 › kat-mid==1.2 needs kat-unpinned>=0.5: not pinned`);
  });

  it("fetches the same wheels from a PEP 503 index with one pip download, and refuses a mismatching file", async () => {
    const index = await startIndex({ wheelhouse: house });
    try {
      const cache = join(root, "cache-index");
      const requirements = await loadRequirements(pinned);
      const got = await timed("wheels from PEP 503 index (pip download, 3 wheels)", () => fetchWheels({ requirements, from: { index: index.url }, cache }));
      expect(got).toEqual(expected);
      expect(index.requests.filter((r) => r.startsWith("/files/")).sort()).toEqual(expected.map((w) => `/files/${w.file}`).sort());
      const before = index.requests.length;
      expect(await fetchWheels({ requirements, from: { index: index.url }, cache })).toEqual(expected);
      expect(index.requests.length).toBe(before);

      const bad = join(root, "pinned-index-bad.txt");
      await writeFile(bad, await pinLines([{ req: "kat-extra-dep==0.1", files: [join(house, "kat_app-1.0-py3-none-any.whl")] }]));
      const e = await rejection(fetchWheels({ requirements: await loadRequirements(bad), from: { index: index.url }, cache: join(root, "cache-index-bad") }));
      expect(e).toBeInstanceOf(UserError);
      expect(e.message.split("\n")[0]).toBe(`${bad}:1: kat-extra-dep==0.1: hash mismatch (expected ${ids.app}, got ${ids.dep})`);

      const gone = join(root, "pinned-index-gone.txt");
      await writeFile(gone, `ghost==1.0 --hash=sha256:${"1".repeat(64)}\n`);
      const g = await rejection(fetchWheels({ requirements: await loadRequirements(gone), from: { index: index.url }, cache: join(root, "cache-index-gone") }));
      expect(g).toBeInstanceOf(UserError);
      expect(g.message.split("\n")[0]).toBe(`${gone}:1: ghost==1.0: no wheel for the target on ${index.url}; publish one there, or fetch from a wheelhouse`);
    } finally {
      await index.close();
    }
  });

  it("builds a wheelhouse for bake from the cache alone, and names every missing wheel", async () => {
    const cache = join(root, "cache-wheels");
    await rm(house, { recursive: true, force: true });
    const dir = join(root, "bake-wheelhouse");
    await timed("wheelhouseFromCache", () => wheelhouseFromCache({ cache, wheels: expected, dir }));
    expect((await readdir(dir)).sort()).toEqual(expected.map((w) => w.file).sort());
    for (const w of expected) {
      expect(await sha256File(join(dir, w.file))).toBe(w.sha256);
      expect((await stat(join(dir, w.file))).ino).toBe((await stat(wheelPath(cache, w))).ino);
    }
    const e = await rejection(wheelhouseFromCache({ cache: join(root, "empty-cache"), wheels: expected, dir: join(root, "bake-wh2") }));
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).problems.map((p) => p.message)).toEqual(
      expected.map((w) =>
        expect.stringMatching(new RegExp(`^wheel ${w.file.replace(/\./g, "\\.")} \\(${w.name}==${w.version}\\): missing from the cache .*run kiln fetch$`)),
      ),
    );
    expect(existsSync(join(root, "bake-wh2"))).toBe(false);
  });

  it("fetches the fixtures' wheelhouse against the committed pinned.txt (when the fixtures are built)", async () => {
    const fixtureHouse = join(process.cwd(), "fixtures", "build", "wheelhouse");
    if (!existsSync(fixtureHouse)) return;
    const requirements = await loadRequirements(join(process.cwd(), "fixtures", "python", "pinned.txt"));
    const got = await timed("fixtures wheelhouse (all pins)", () =>
      fetchWheels({ requirements, from: { wheelhouse: fixtureHouse }, cache: join(root, "cache-fixtures") }),
    );
    expect(got.map((w) => w.name)).toEqual(
      requirements.pins
        .filter((p) => p.applies)
        .map((p) => p.name)
        .sort(),
    );
  });
});
