// The disk source's listing (one find run) must give exactly what an lstat per path gives: every field
// of every entry feeds the archive bytes, and so the image id.
import { link, lstat, mkdir, readlink, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diskSource, type TreeEntry } from "../../../src/archive/index.js";
import { findSeconds } from "../../../src/archive/find-walk.js";
import { UserError } from "../../../src/errors.js";
import { run } from "../../../src/exec/run.js";
import { tempDir } from "./helpers.js";

let dir = "";
let cleanup: () => Promise<void> = async () => undefined;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

/** What an lstat of `path` says about it, in TreeEntry terms (the fields find must reproduce). */
async function lstatEntry(root: string, path: string): Promise<Partial<TreeEntry>> {
  const st = await lstat(join(root, path));
  const type = st.isFile() ? "file" : st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : st.isFIFO() ? "fifo" : "other";
  return {
    path,
    type: type as TreeEntry["type"],
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: type === "file" ? st.size : 0,
    mtime: Math.floor(st.mtimeMs / 1000),
    ...(st.nlink > 1 && type !== "dir" ? { inode: `${st.dev}:${st.ino}`, nlink: st.nlink } : {}),
    ...(type === "symlink" ? { linkTarget: await readlink(join(root, path)) } : {}),
  };
}

describe("diskSource's listing", () => {
  it("gives every entry exactly as lstat does: odd names, hard links, symlinks, fifos, special mode bits, times", async () => {
    const root = join(dir, "tree");
    await mkdir(join(root, "sp ace/new\nline"), { recursive: true });
    await writeFile(join(root, "a"), "hello");
    await link(join(root, "a"), join(root, "sp ace/new\nline/b"));
    await writeFile(join(root, "sp ace/f  g"), "");
    await symlink("../nowhere with spaces", join(root, "sp ace/link"));
    await run(["mkfifo", join(root, "fifo")]);
    await run(["chmod", "4755", join(root, "a")]);
    await run(["chmod", "1777", join(root, "sp ace")]);
    // Times whose seconds are easy to get wrong: before 1970, and a hair under a whole second.
    await utimes(join(root, "fifo"), -5.25, -5.25);
    await utimes(join(root, "sp ace/f  g"), 1_700_000_000.999999, 1_700_000_000.999999);
    const entries = await diskSource(root).entries();
    const paths = entries.map((e) => e.path).sort();
    expect(paths).toEqual(["a", "fifo", "sp ace", "sp ace/f  g", "sp ace/link", "sp ace/new\nline", "sp ace/new\nline/b"]);
    for (const e of entries) expect(e).toEqual(await lstatEntry(root, e.path));
  });

  it("reads find's seconds as Node's lstat does", () => {
    expect(findSeconds("1700000000.0000000000")).toBe(1_700_000_000);
    expect(findSeconds("1700000000.9999999990")).toBe(Math.floor((1_700_000_000 * 1000 + 999_999_999 / 1e6) / 1000));
    expect(findSeconds("-6.7500000000")).toBe(-6); // tv_sec -6, tv_nsec 0.75 s: 5.25 s before 1970
    expect(findSeconds("42")).toBe(42);
  });

  it("names each badly encoded name once (not the entries below a bad directory) and refuses the tree", async () => {
    const root = join(dir, "bad");
    const badDir = Buffer.concat([Buffer.from(`${root}/d`), Buffer.from([0xff])]);
    await mkdir(badDir, { recursive: true });
    await writeFile(Buffer.concat([badDir, Buffer.from("/child")]), "");
    await writeFile(join(root, "fine"), "");
    const err = await diskSource(root)
      .entries()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).problems).toEqual([{ file: `${root}/d\u00ff`, message: expect.stringContaining("not valid UTF-8") }]);
  });
});
