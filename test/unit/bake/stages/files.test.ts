// The files stage copies [[file]] sources into the rootfs only from inside the recipe's directory,
// re-checked at copy time: a symlink swapped in after the recipe was loaded is refused, not followed.
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { copyFiles } from "../../../../src/bake/stages/files.js";
import { UserError, formatProblem } from "../../../../src/errors.js";
import { loadRecipe } from "../../../../src/recipe/load.js";
import { MIN, tempDir, writeFiles } from "../../recipe/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let n = 0;
beforeAll(async () => ({ dir, cleanup } = await tempDir("bake-files")));
afterAll(() => cleanup());

const OWNER = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
const FILE = (src: string, dest: string) => `[[file]]\nsrc = "${src}"\ndest = "${dest}"\nmode = "0640"\nowner = "${OWNER}"\n`;

/** A project (recipe + files) and an empty rootfs beside it; returns their paths. */
async function project(files: Record<string, string>): Promise<{ readonly proj: string; readonly root: string }> {
  const base = join(dir, `case${n++}`);
  await writeFiles(join(base, "proj"), files);
  await mkdir(join(base, "root"));
  await writeFiles(join(base, "outside"), { "secret.conf": "host secret\n" });
  return { proj: join(base, "proj"), root: join(base, "root") };
}

/** The message of the UserError `f` throws. */
async function refusal(f: () => Promise<unknown>): Promise<string> {
  const e = await f().then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  return (e as UserError).problems.map(formatProblem).join("\n");
}

test("a file inside the project is copied with its mode", async () => {
  const { proj, root } = await project({ "r.toml": `${MIN}\n${FILE("files/a.conf", "/etc/a.conf")}`, "files/a.conf": "a\n" });
  await copyFiles({ recipe: await loadRecipe(join(proj, "r.toml")), root });
  expect(readFileSync(join(root, "etc/a.conf"), "utf8")).toBe("a\n");
  expect(statSync(join(root, "etc/a.conf")).mode & 0o7777).toBe(0o640);
});

test("a parent directory swapped for a symlink after loading is refused at copy time", async () => {
  const { proj, root } = await project({ "r.toml": `${MIN}\n${FILE("files/secret.conf", "/etc/s.conf")}`, "files/secret.conf": "fine\n" });
  const recipe = await loadRecipe(join(proj, "r.toml"));
  await rename(join(proj, "files"), join(proj, "files.old"));
  await symlink(join(proj, "../outside"), join(proj, "files"));
  const msg = await refusal(() => copyFiles({ recipe, root }));
  expect(msg).toMatch(
    /r\.toml:\d+: file\[0\]\.src: "files\/secret\.conf" resolves through a symlink to ".*outside\/secret\.conf", outside the recipe's directory/,
  );
  expect(existsSync(join(root, "etc/s.conf"))).toBe(false);
});

test("the file itself swapped for a symlink after loading is refused at copy time", async () => {
  const { proj, root } = await project({ "r.toml": `${MIN}\n${FILE("files/a.conf", "/etc/a.conf")}`, "files/a.conf": "a\n" });
  const recipe = await loadRecipe(join(proj, "r.toml"));
  await rm(join(proj, "files/a.conf"));
  await symlink("/etc/passwd", join(proj, "files/a.conf"));
  expect(await refusal(() => copyFiles({ recipe, root }))).toMatch(/file\[0\]\.src: "files\/a\.conf" resolves through a symlink to "\/etc\/passwd"/);
  expect(existsSync(join(root, "etc/a.conf"))).toBe(false);
});

test("a file declared by a parent recipe in another directory is confined to that directory", async () => {
  const { proj, root } = await project({
    "base/base.toml": `${MIN}\n${FILE("files/b.conf", "/etc/b.conf")}`,
    "base/files/b.conf": "b\n",
    "site/child.toml": 'extends = "../base/base.toml"\n',
  });
  await copyFiles({ recipe: await loadRecipe(join(proj, "site/child.toml")), root });
  expect(readFileSync(join(root, "etc/b.conf"), "utf8")).toBe("b\n");
  // The child's own file may not reach into the parent's directory.
  await writeFile(join(proj, "site/child.toml"), `extends = "../base/base.toml"\n${FILE("../base/files/b.conf", "/etc/c.conf")}`);
  expect(await refusal(() => loadRecipe(join(proj, "site/child.toml")))).toMatch(
    /child\.toml:\d+: file\[0\]\.src: "\.\.\/base\/files\/b\.conf" leads out of the recipe's directory/,
  );
});
