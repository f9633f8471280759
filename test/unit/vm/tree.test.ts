import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diskIds } from "../../../src/vm/ids.js";
import { addVmPieces, clampMtimes, extractArgv, fstabText } from "../../../src/vm/tree.js";

let dir: string;
let outside: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-vm-tree-"));
  outside = await mkdtemp(join(tmpdir(), "kiln-vm-outside-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe("the VM's additions to the tree", () => {
  const ids = diskIds(`sha256:${"f".repeat(64)}`);

  it("writes an fstab that mounts root by the derived filesystem UUID", () => {
    expect(fstabText(ids.rootFsUuid)).toContain(`UUID=${ids.rootFsUuid}\t/\text4\t`);
  });

  it("replaces a symlinked /etc/fstab instead of writing through it, and leaves an image's own network alone", async () => {
    await mkdir(join(dir, "etc"));
    const target = join(outside, "fstab");
    await writeFile(target, "host file\n");
    await symlink(target, join(dir, "etc/fstab"));
    await addVmPieces({ ids, network: "image" }, dir);
    expect(await readFile(target, "utf8")).toBe("host file\n");
    expect((await lstat(join(dir, "etc/fstab"))).isFile()).toBe(true);
    expect(await readFile(join(dir, "etc/fstab"), "utf8")).toBe(fstabText(ids.rootFsUuid));
    await expect(lstat(join(dir, "etc/systemd/network"))).rejects.toThrow();
  });

  it("refuses to write through a symlinked parent directory", async () => {
    await symlink(outside, join(dir, "etc"));
    await expect(addVmPieces({ ids, network: "none" }, dir)).rejects.toThrow(/symlink/);
    await expect(lstat(join(outside, "fstab"))).rejects.toThrow();
  });

  it("clamps mtimes newer than the epoch, links included, and keeps older ones", async () => {
    await mkdir(join(dir, "d"));
    await writeFile(join(dir, "d/new"), "x");
    await writeFile(join(dir, "old"), "x");
    await utimes(join(dir, "old"), 1000, 1000);
    await symlink("new", join(dir, "d/link"));
    const changed = await clampMtimes(dir, 5000);
    expect(changed).toBeGreaterThanOrEqual(4); // d/new, d/link, d, the root
    for (const p of ["d/new", "d/link", "d", "."]) expect((await lstat(join(dir, p))).mtimeMs, p).toBe(5000 * 1000);
    expect((await lstat(join(dir, "old"))).mtimeMs).toBe(1000 * 1000);
    expect(await readlink(join(dir, "d/link"))).toBe("new");
  });

  it("extracts with numeric owners, permissions and xattrs", () => {
    expect(extractArgv("/s/t.tar.zst", "/w/tree")).toEqual(
      expect.arrayContaining(["--numeric-owner", "--same-owner", "--same-permissions", "--xattrs", "--xattrs-include=*"]),
    );
  });
});
