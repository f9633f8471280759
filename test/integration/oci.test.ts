// kiln oci / export / import against independent readers: skopeo reads the manifest and config of
// the layout and the oci-archive, umoci unpacks the rootfs and it is the packed tree (types, modes,
// owners, sizes, link targets, xattr); two runs give one digest; a bundle round-trips between stores.
// Needs root (owners, xattrs), skopeo and umoci (scripts/install-deps.sh). A hand-made tree: seconds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { chown, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { extractOciArchive, isOciArchive } from "../pct-sim/oci.js";
import { run, type RunResult } from "../../src/exec/run.js";

const root = resolve(__dirname, "../..");
const cli = join(root, "dist/src/main.js");
let tmp: string;
let tree: string;
let id: string;
let hex: string;

/** Runs the built kiln with --store `store`; never throws on a non-zero exit. */
function kiln(store: string, ...args: string[]): Promise<RunResult> {
  return run([process.execPath, cli, "--store", store, ...args], { allowFailure: true, cwd: tmp });
}

/** Every node below `dir`: type, mode, owner, size (files), path, link target, hard-link count. */
async function listing(dir: string): Promise<string[]> {
  const r = await run(["find", dir, "-mindepth", "1", "-printf", "%y %m %U:%G %s %n %P -> %l\\n"]);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => (l.startsWith("d ") ? l.replace(/^(d \S+ \S+) \d+/, "$1 -") : l))
    .sort();
}

/** skopeo inspect of a transport reference, parsed. */
async function inspect(ref: string): Promise<{ Digest: string; Architecture: string; Os: string; Created: string; Layers: string[] }> {
  return JSON.parse((await run(["skopeo", "inspect", ref])).stdout);
}

beforeAll(async () => {
  if (!existsSync(cli)) await run(["npx", "tsc", "-p", "tsconfig.json"], { cwd: root });
  tmp = await mkdtemp(join(tmpdir(), "kiln-oci-it-"));
  tree = join(tmp, "tree");
  for (const d of ["etc", "usr/bin", "home/user", "var/empty"]) await mkdir(join(tree, d), { recursive: true });
  await writeFile(join(tree, "etc/os-release"), 'ID=debian\nVERSION_ID="12"\n');
  await writeFile(join(tree, "etc/hostname"), "t\n");
  await writeFile(join(tree, "usr/bin/tool"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
  await link(join(tree, "usr/bin/tool"), join(tree, "usr/bin/tool2"));
  await symlink("tool", join(tree, "usr/bin/t"));
  await writeFile(join(tree, "home/user/notes"), "x".repeat(5000));
  await chown(join(tree, "home/user"), 1000, 1000);
  await chown(join(tree, "home/user/notes"), 1000, 1000);
  await run(["setfattr", "-n", "user.kiln", "-v", "yes", join(tree, "etc/hostname")]);
  const r = await kiln(
    join(tmp, "store"),
    "pack",
    tree,
    "--name",
    "t",
    "--version",
    "1.0.0",
    "--arch",
    "amd64",
    "--ostype",
    "debian",
    "--epoch",
    "1700000000",
    "--json",
  );
  expect(r.exitCode, r.stderr).toBe(0);
  id = (JSON.parse(r.stdout) as { image: string }).image;
  hex = id.slice("sha256:".length);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("kiln oci read by skopeo and umoci", () => {
  it("skopeo reads the layout and the archive: one digest, the config from the manifest, two runs equal", async () => {
    const store = join(tmp, "store");
    for (const [out, format] of [
      ["l1", "layout"],
      ["l2", "layout"],
      ["a1.tar", "archive"],
    ] as const) {
      const r = await kiln(store, "oci", hex.slice(0, 12), "--out", join(tmp, out), "--format", format);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    const a = await inspect(`oci:${join(tmp, "l1")}:${hex}`);
    const b = await inspect(`oci:${join(tmp, "l2")}:${hex}`);
    const c = await inspect(`oci-archive:${join(tmp, "a1.tar")}:${hex}`);
    expect(a.Digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.Digest).toBe(a.Digest);
    expect(c.Digest).toBe(a.Digest);
    expect(a).toMatchObject({ Architecture: "amd64", Os: "linux", Created: "2023-11-14T22:13:20Z" });
    const config = await run(["skopeo", "inspect", "--config", `oci:${join(tmp, "l1")}:${hex}`]);
    expect(JSON.parse(config.stdout).rootfs.diff_ids).toEqual([id]);
  });

  it("umoci unpacks the same tree as was packed", async () => {
    const bundle = join(tmp, "bundle");
    const r = await run(["umoci", "unpack", "--image", `${join(tmp, "l1")}:${hex}`, bundle], { allowFailure: true });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await listing(join(bundle, "rootfs"))).toEqual(await listing(tree));
    const x = await run(["getfattr", "--only-values", "-n", "user.kiln", join(bundle, "rootfs/etc/hostname")]);
    expect(x.stdout).toBe("yes");
    expect(await readFile(join(bundle, "rootfs/home/user/notes"), "utf8")).toBe("x".repeat(5000));
  });

  it("a zstd layer is the stored template itself", async () => {
    const out = join(tmp, "z");
    const r = await kiln(join(tmp, "store"), "oci", hex, "--out", out, "--compression", "zstd", "--json");
    expect(r.exitCode, r.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(tmp, "store/images", hex, "manifest.json"), "utf8"));
    expect(JSON.parse(r.stdout).images[0].layer).toBe(`sha256:${manifest.template.sha256}`);
    expect((await inspect(`oci:${out}:${hex}`)).Layers).toEqual([`sha256:${manifest.template.sha256}`]);
  });
});

describe("the pct simulator's OCI templates (Proxmox VE 9.1)", () => {
  it("extracts the single layer of a kiln oci-archive as the rootfs", async () => {
    const archive = join(tmp, "pve.tar");
    const r = await kiln(join(tmp, "store"), "oci", hex, "--out", archive, "--format", "archive");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await isOciArchive(archive)).toBe(true);
    const store = join(tmp, "store/images", hex);
    const template = join(store, (await run(["ls", store])).stdout.split("\n").find((n) => n.endsWith(".tar.zst")) as string);
    expect(await isOciArchive(template)).toBe(false);
    const rootfs = join(tmp, "pve-rootfs");
    await mkdir(rootfs);
    await extractOciArchive(archive, rootfs);
    expect(await listing(rootfs)).toEqual(await listing(tree));
  });
});

describe("kiln export / import between stores", () => {
  it("round-trips the image: same id, manifest and file index; kiln check passes in the new store", async () => {
    const bundle = join(tmp, "bundle.tar");
    const e = await kiln(join(tmp, "store"), "export", hex, "-o", bundle);
    expect(e.exitCode, e.stderr).toBe(0);
    const dest = join(tmp, "dest");
    const i = await kiln(dest, "import", bundle, "--json");
    expect(i.exitCode, i.stderr).toBe(0);
    expect(JSON.parse(i.stdout).images).toEqual([expect.objectContaining({ id, existed: false, recompressed: false })]);
    for (const f of ["manifest.json", "files.tsv", "sbom.cdx.json"]) {
      expect(await readFile(join(dest, "images", hex, f), "utf8"), f).toBe(await readFile(join(tmp, "store/images", hex, f), "utf8"));
    }
    const v = await kiln(dest, "store", "verify");
    expect(v.exitCode, v.stdout + v.stderr).toBe(0);
    // The same bundle again: nothing new.
    const again = await kiln(dest, "import", bundle, "--json");
    expect(JSON.parse(again.stdout).images[0].existed).toBe(true);
  });
});
