// The services stage writes kiln's host-key unit inside the rootfs only: a symlink planted where the unit
// goes is replaced, not written through, and the sshd it looks for is the tree's own.
import { lstatSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { configureServices, HOSTKEY_UNIT } from "../../../../src/bake/stages/services.js";
import type { Recipe } from "../../../../src/recipe/types.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-services-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const recipe = { services: { enable: [], disable: [] } } as unknown as Recipe;

/** A rootfs with sshd and ssh-keygen (regular files, or symlinks given as `links`). */
async function rootfs(name: string, links: Record<string, string> = {}): Promise<string> {
  const root = join(dir, name);
  for (const d of ["usr/sbin", "usr/bin", "etc/systemd/system"]) await mkdir(join(root, d), { recursive: true });
  for (const f of ["usr/sbin/sshd", "usr/bin/ssh-keygen"]) {
    if (links[f]) await symlink(links[f] as string, join(root, f));
    else await writeFile(join(root, f), "");
  }
  return root;
}

test("a symlink where the unit goes is replaced; the file outside stays as it was", async () => {
  const root = await rootfs("planted");
  const outside = join(dir, "outside.txt");
  await writeFile(outside, "host file\n");
  await symlink(outside, join(root, "etc/systemd/system", HOSTKEY_UNIT));
  await configureServices({ recipe, root, epoch: 0 });
  expect(readFileSync(outside, "utf8")).toBe("host file\n");
  const unit = join(root, "etc/systemd/system", HOSTKEY_UNIT);
  expect(lstatSync(unit).isFile()).toBe(true);
  expect(readFileSync(unit, "utf8")).toMatch(/ExecStart=\/usr\/bin\/ssh-keygen -A/);
});

test("an sshd symlink is resolved inside the tree, not on the build host", async () => {
  // /bin/sh exists on the build host but not in this tree.
  const root = await rootfs("host-link", { "usr/sbin/sshd": "/bin/sh" });
  await configureServices({ recipe, root, epoch: 0 });
  expect(lstatSync(join(root, "etc/systemd/system", HOSTKEY_UNIT), { throwIfNoEntry: false })).toBeUndefined();
});
