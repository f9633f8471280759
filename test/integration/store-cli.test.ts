// The built CLI end to end on a real rootfs (mmdebstrap minbase + ifupdown, bookworm, from the host's
// apt sources): pack → check → images/inspect/tag/diff/gc with --json, and the exit codes 0 (ok),
// 1 (a failed check) and 2 (bad input, with nothing written). Needs root, mmdebstrap and the Debian mirror.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { run, type RunResult } from "../../src/exec/run.js";
import { SYSTEMD_ROOTFS } from "../support/lxc-lab.js";
import { sharedMmdebstrap } from "../support/shared.js";

const root = resolve(__dirname, "../..");
const cli = join(root, "dist/src/main.js");
let tmp: string;
let rootfs: string;
let store: string;
/** Ids of the images the tests pack, in order. */
const ids: Record<string, string> = {};

/** Runs the built kiln with --store; never throws on a non-zero exit. */
function kiln(...args: string[]): Promise<RunResult> {
  return run([process.execPath, cli, "--store", store, ...args], { allowFailure: true, cwd: tmp });
}

/** Runs kiln and parses its --json output, expecting exit code `code`. */
async function kilnJson<T>(code: number, ...args: string[]): Promise<T> {
  const r = await kiln(...args, "--json");
  expect(r.exitCode, r.stderr).toBe(code);
  return JSON.parse(r.stdout) as T;
}

/** Every path below the store, to prove a failed command wrote nothing. */
async function storeFiles(): Promise<string[]> {
  return (await readdir(store, { recursive: true })).map(String).sort();
}

beforeAll(async () => {
  if (!existsSync(cli)) await run(["npx", "tsc", "-p", "tsconfig.json"], { cwd: root });
  tmp = await mkdtemp(join(tmpdir(), "kiln-store-cli-"));
  rootfs = join(tmp, "rootfs");
  store = join(tmp, "store");
  // The systemd rootfs the LXC tests use (made once per run; shared.ts).
  await sharedMmdebstrap(rootfs, SYSTEMD_ROOTFS);
  // What a bake's normalize stage does: no host identity in a template.
  for (const n of await readdir(join(rootfs, "etc/ssh")).catch(() => [])) if (n.startsWith("ssh_host_")) await rm(join(rootfs, "etc/ssh", n));
  if (existsSync(join(rootfs, "etc/machine-id"))) await truncate(join(rootfs, "etc/machine-id"));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("kiln store commands on a real rootfs", () => {
  it("pack stores the tree and prints {image, template, manifest} with absolute paths", async () => {
    const out = await kilnJson<{ image: string; template: string; manifest: string }>(0, "pack", rootfs, "--name", "cam-node", "--version", "1.0.0");
    expect(out.image).toMatch(/^sha256:[0-9a-f]{64}$/);
    const hex = out.image.slice(7);
    expect(out.template).toBe(join(store, "images", hex, `debian-cam-node_1.0.0-${hex.slice(0, 12)}_amd64.tar.zst`));
    expect(out.manifest).toBe(join(store, "images", hex, "manifest.json"));
    const manifest = JSON.parse(await readFile(out.manifest, "utf8"));
    expect(manifest).toMatchObject({ image: out.image, arch: "amd64", ostype: "debian", origin: "pack", inputs: null });
    expect(manifest.debs.find((d: { name: string }) => d.name === "ifupdown")).toBeDefined();
    ids.a = out.image;
    // Same tree, same epoch: the same image, already stored.
    const again = await kilnJson<{ image: string }>(0, "pack", rootfs, "--name", "cam-node", "--version", "1.0.0");
    expect(again.image).toBe(ids.a);
  });

  it("check passes the packed image, by id prefix and by template path", async () => {
    const r = await kilnJson<{ ok: boolean; arch: string; osId: string; failures: unknown[]; image: string }>(0, "check", (ids.a as string).slice(7, 19));
    expect(r).toMatchObject({ ok: true, arch: "amd64", osId: "debian", failures: [], image: ids.a });
    const byPath = await kiln("check", join(store, "images", (ids.a as string).slice(7)));
    expect(byPath.exitCode).toBe(2); // a directory is not a template file
    const template = (await readdir(join(store, "images", (ids.a as string).slice(7)))).find((n) => n.endsWith(".tar.zst")) as string;
    const human = await kiln("check", join(store, "images", (ids.a as string).slice(7), template));
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/^ok: .*\(debian, amd64, \d+ members\)/);
  });

  it("check fails (exit 1) on a tree with a host key and a machine id, naming each", async () => {
    await writeFile(join(rootfs, "etc/machine-id"), "0123456789abcdef0123456789abcdef\n");
    await run(["mkdir", "-p", join(rootfs, "etc/ssh")]);
    await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", join(rootfs, "etc/ssh/ssh_host_ed25519_key")]);
    await writeFile(join(rootfs, "etc/motd"), "release 1.1.0\n");
    const packed = await kilnJson<{ image: string }>(0, "pack", rootfs, "--name", "cam-node", "--version", "1.1.0");
    ids.b = packed.image;
    const r = await kilnJson<{ ok: boolean; failures: { rule: string; path: string }[] }>(1, "check", packed.image);
    expect(r.ok).toBe(false);
    expect(r.failures.map((f) => `${f.rule} ${f.path}`).sort()).toEqual([
      "machine-id /etc/machine-id",
      "ssh-host-keys /etc/ssh/ssh_host_ed25519_key",
      "ssh-host-keys /etc/ssh/ssh_host_ed25519_key.pub",
    ]);
    const human = await kiln("check", packed.image);
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toContain("✗ machine-id: /etc/machine-id:");
    expect(human.stderr).toContain("kiln: check failed: 3 problems");
  });

  it("images, inspect and tag agree", async () => {
    const tagged = await kilnJson<{ tag: string; image: string }>(0, "tag", (ids.a as string).slice(7, 21), "stable");
    expect(tagged).toEqual({ tag: "stable", image: ids.a });
    const list = await kilnJson<{ id: string; version: string; tags: string[] }[]>(0, "images");
    expect(list.map((i) => [i.id, i.version, i.tags])).toEqual([
      [ids.b, "1.1.0", []],
      [ids.a, "1.0.0", ["stable"]],
    ]);
    const table = await kiln("images");
    expect(table.stdout.split("\n")[0]).toMatch(/^IMAGE\s+NAME\s+VERSION\s+TAGS\s+SIZE$/);
    expect(table.stdout).toContain((ids.a as string).slice(7, 19));
    const manifest = await kilnJson<{ image: string; version: string }>(0, "inspect", "stable");
    expect(manifest).toEqual(JSON.parse(await readFile(join(store, "images", (ids.a as string).slice(7), "manifest.json"), "utf8")));
    expect((await kiln("inspect", "stable")).stdout).toContain(`image:     ${ids.a}`);
  });

  it("diff names the files that changed and no package changes", async () => {
    const d = await kilnJson<{
      debs: { added: unknown[]; removed: unknown[]; changed: unknown[] };
      files: { added: string[]; changed: { path: string; fields: string[] }[] };
    }>(0, "diff", "stable", (ids.b as string).slice(7, 19));
    expect(d.debs).toEqual({ added: [], removed: [], changed: [] });
    expect(d.files.added).toEqual(expect.arrayContaining(["etc/ssh/ssh_host_ed25519_key", "etc/ssh/ssh_host_ed25519_key.pub"]));
    expect(d.files.changed).toEqual(expect.arrayContaining([{ path: "etc/motd", fields: ["content"] }]));
    expect((await kiln("diff", "stable", ids.b as string)).stdout).toContain("+ /etc/ssh/ssh_host_ed25519_key");
  });

  it("gc keeps tagged images and the newest untagged ones", async () => {
    await writeFile(join(rootfs, "etc/motd"), "release 1.2.0\n");
    ids.c = (await kilnJson<{ image: string }>(0, "pack", rootfs, "--name", "cam-node", "--version", "1.2.0")).image;
    const dry = await kilnJson<{ removed: string[]; dryRun: boolean }>(0, "gc", "--keep", "1", "--dry-run");
    expect(dry).toMatchObject({ dryRun: true, removed: [ids.b] });
    expect((await kilnJson<unknown[]>(0, "images")).length).toBe(3);
    const done = await kilnJson<{ removed: string[] }>(0, "gc", "--keep", "1");
    expect(done.removed).toEqual([ids.b]);
    expect((await kilnJson<{ id: string }[]>(0, "images")).map((i) => i.id)).toEqual([ids.c, ids.a]);
  });

  it("bad input exits 2 and writes nothing", async () => {
    const before = await storeFiles();
    const cases: [string[], RegExp][] = [
      [["inspect", "no-such-image"], /no image matches 'no-such-image' \(kiln images lists them\)/],
      [["diff", "stable", "abc"], /too short an id prefix/],
      [["tag", "stable", "bad/name"], /not a valid tag/],
      [["pack", rootfs, "--name", "cam-node", "--version", "1.0"], /version: '1.0' is not a semantic version/],
      [["pack", rootfs, "--name", "Bad_Name", "--version", "2.0.0", "--arch", "sparc"], /name: .*\n.*arch: 'sparc'/],
      [["pack", join(tmp, "missing"), "--name", "x", "--version", "1.0.0"], /not a directory/],
      [["check", join(tmp, "missing.tar.zst")], /no image matches/],
      [["gc", "--keep", "0"], /expected a whole number/],
    ];
    for (const [args, message] of cases) {
      const r = await kiln(...args);
      expect(r.exitCode, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(await storeFiles()).toEqual(before);
  });
});
