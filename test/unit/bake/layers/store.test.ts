// The layer cache on disk with the real tar and zstd: a snapshot restores owners, modes, hard links,
// xattrs and symlinks exactly; entries are write-once and appear whole or not at all; trimming evicts
// the least recently used first; a [[file]] changed mid-bake is noticed.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chmod, chown, copyFile, link, mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { findLayer, listLayers, readLayerKey, recordLater, restoreLayer, saveLayer, trimLayers } from "../../../../src/bake/layers/store.js";
import type { StageKey } from "../../../../src/bake/layers/keys.js";
import { filesMatch } from "../../../../src/bake/layers/session.js";
import { run } from "../../../../src/exec/run.js";
import { loadRecipe } from "../../../../src/recipe/load.js";
import { sha256File } from "../../../../src/util/hash.js";
import { repoRoot } from "../../../support/kiln.js";

let tmp: string;
let cache: string;
const key = (c: string): StageKey => ({ stage: "bootstrap", key: { stage: "bootstrap", parent: null, c }, hex: c.repeat(64) });

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-layers-unit-"));
  cache = join(tmp, "cache");
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A small tree with what a rootfs holds: owners, setuid, hard link, symlink, a capability xattr. */
async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, "usr/bin"), { recursive: true });
  await writeFile(join(root, "usr/bin/ping"), "ping");
  await run(["setcap", "cap_net_raw+ep", join(root, "usr/bin/ping")]);
  await link(join(root, "usr/bin/ping"), join(root, "usr/bin/ping6"));
  await writeFile(join(root, "usr/bin/su"), "su");
  await chmod(join(root, "usr/bin/su"), 0o4755);
  await writeFile(join(root, "owned"), "x");
  await chown(join(root, "owned"), 123, 456);
  await symlink("usr/bin/ping", join(root, "link"));
  await utimes(join(root, "owned"), 1_000_000, 1_000_000);
}

/** Everything that must survive, one line per entry (directory sizes left out: they depend on history). */
async function describeTree(root: string): Promise<string> {
  const find = await run(["find", ".", "-printf", "%p %y %m %U:%G %n %s %T@ %l\\n"], { cwd: root });
  const lines = find.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => (l.split(" ")[1] === "d" ? l.replace(/ \d+ [\d.]+ $/, " ") : l));
  const caps = await run(["getcap", "-r", "."], { cwd: root });
  return [...lines.sort(), caps.stdout.trim()].join("\n");
}

describe("layer store", () => {
  it("restores a snapshot exactly: owners, modes, hard links, symlinks, capabilities, mtimes", async () => {
    const root = join(tmp, "root");
    await makeTree(root);
    expect(await saveLayer({ cache, root, key: key("a"), chain: [key("a")] })).toBe(true);
    const back = join(tmp, "back");
    await restoreLayer({ cache, hex: key("a").hex, root: back });
    expect(await describeTree(back)).toBe(await describeTree(root));
    expect(await describeTree(back)).toContain("cap_net_raw=ep");
    expect((await readLayerKey(join(cache, "layers", key("a").hex)))?.chain).toEqual([key("a").key]);
  });

  it("records the later stages of the last bake that resumed from an entry, keeping its snapshot's sha256", async () => {
    const root = join(tmp, "root");
    await mkdir(root);
    await saveLayer({ cache, root, key: key("a"), chain: [key("a")], later: [key("b")] });
    const dir = join(cache, "layers", key("a").hex);
    const before = await readLayerKey(dir);
    expect(before?.later).toEqual([key("b").key]);
    await recordLater(cache, key("a").hex, [key("c")]);
    const after = await readLayerKey(dir);
    expect(after).toEqual({ ...before, later: [key("c").key] });
    expect((await readdir(dir)).sort()).toEqual(["key.json", "rootfs.tar.zst"]);
    expect(await readdir(join(cache, "tmp"))).toEqual([]);
  });

  it("refuses to restore a snapshot that no longer hashes to what key.json recorded", async () => {
    const root = join(tmp, "root");
    await makeTree(root);
    await saveLayer({ cache, root, key: key("a"), chain: [] });
    const snap = join(cache, "layers", key("a").hex, "rootfs.tar.zst");
    const bytes = await readFile(snap);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    await writeFile(snap, bytes);
    await expect(restoreLayer({ cache, hex: key("a").hex, root: join(tmp, "r") })).rejects.toThrow(/does not hash to the sha256 recorded/);
  });

  it("is write-once (a second save of the same key keeps the first) and leaves nothing when a save fails", async () => {
    const root = join(tmp, "root");
    await makeTree(root);
    expect(await saveLayer({ cache, root, key: key("a"), chain: [] })).toBe(true);
    expect(await saveLayer({ cache, root, key: key("a"), chain: [] })).toBe(false);
    // tar fails on a missing tree: no entry, and its temp dir is gone.
    await expect(saveLayer({ cache, root: join(tmp, "missing"), key: key("b"), chain: [] })).rejects.toThrow();
    expect(await findLayer(cache, key("b").hex)).toBeUndefined();
    expect(await readdir(join(cache, "layers"))).toEqual([key("a").hex]);
    expect(await readdir(join(cache, "tmp"))).toEqual([]);
  });

  it("trims the least recently used entries first, down to the bound", async () => {
    const root = join(tmp, "root");
    await makeTree(root);
    for (const c of ["a", "b", "c"]) await saveLayer({ cache, root, key: key(c), chain: [] });
    // Used order: b (oldest), then a, then c; restoring a marks it used.
    await utimes(join(cache, "layers", key("b").hex), 1000, 1000);
    await utimes(join(cache, "layers", key("a").hex), 2000, 2000);
    await utimes(join(cache, "layers", key("c").hex), 3000, 3000);
    await restoreLayer({ cache, hex: key("a").hex, root: join(tmp, "r") });
    const sizes = await listLayers(cache);
    expect(sizes.map((e) => e.hex)).toEqual([key("b").hex, key("c").hex, key("a").hex]);
    const one = Math.max(...sizes.map((e) => e.bytes));
    const removed = await trimLayers(cache, one + 1);
    expect(removed.map((e) => e.hex)).toEqual([key("b").hex, key("c").hex]);
    expect((await listLayers(cache)).map((e) => e.hex)).toEqual([key("a").hex]);
    expect(await trimLayers(cache, 0, { dryRun: true })).toHaveLength(1);
    expect(await trimLayers(cache, 0)).toHaveLength(1);
    expect(await readdir(join(cache, "layers"))).toEqual([]);
  });
});

describe("filesMatch", () => {
  it("holds when each [[file]] in the image has the hashed content, not after a change", async () => {
    const recipe = await loadRecipe(join(repoRoot, "recipes/cam-node.toml"));
    const src = join(repoRoot, "recipes", recipe.files[0]?.src ?? "");
    const root = join(tmp, "root");
    const dest = join(root, recipe.files[0]?.dest ?? "");
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(src, dest);
    const expected = [{ sha256: await sha256File(src) }];
    expect(await filesMatch(recipe, root, expected)).toBe(true);
    await writeFile(dest, "changed\n");
    expect(await filesMatch(recipe, root, expected)).toBe(false);
  });
});
