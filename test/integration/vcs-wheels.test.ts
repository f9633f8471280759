// Real git, svn and pip against repositories and wheelhouses built in temp dirs.
// The offline steps (checkoutFromCache, wheelhouseFromCache) run after the origins are deleted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/exec/run.js";
import { UserError } from "../../src/errors.js";
import { exportGit, mirrorPath, resolveGit } from "../../src/sources/git.js";
import { exportSvn, resolveSvn } from "../../src/sources/svn.js";
import { checkoutFromCache, checkoutTarball } from "../../src/sources/checkouts.js";
import { listTar } from "../../src/sources/tarball.js";
import type { LockedCheckout } from "../../src/lock/types.js";

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
    const env = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid", GIT_AUTHOR_DATE: `@${when} +0000`, GIT_COMMITTER_DATE: `@${when} +0000`, GIT_CONFIG_GLOBAL: "/dev/null" };
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
    await run(["git", "-C", origin, "tag", "-a", "-m", "release 1", "v1"], { env: { GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid", GIT_COMMITTER_DATE: `@${T1} +0000`, GIT_CONFIG_GLOBAL: "/dev/null" } });
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
    expect((await rejection(resolveGit({ url: "ext::sh -c touch% /tmp/pwned", rev: "main", cache })))).toBeInstanceOf(UserError);
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
    let b;
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
