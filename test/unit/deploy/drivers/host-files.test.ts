// Writing into a container's rootfs from the host: never through a symlink out of the root, atomic,
// many files per round trip. Runs the real scripts through the local transport (sh, no root needed).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localTransport } from "../../../../src/deploy/transport/local.js";
import { readRootFile, writeRootFiles } from "../../../../src/deploy/drivers/host-files.js";
import { InternalError } from "../../../../src/errors.js";

const t = localTransport();
let tmp: string;
let root: string;
let outside: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-host-files-"));
  root = join(tmp, "rootfs");
  outside = join(tmp, "outside");
  await mkdir(join(root, "etc/ssh"), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, "hosts"), "host's own file\n");
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("writeRootFiles", () => {
  it("writes content and host files with their modes in one call, leaving no temp files", async () => {
    await writeFile(join(tmp, "key"), "PRIVATE\n");
    await writeRootFiles(t, [
      { root, path: "etc/hostname", mode: "0644", content: "cam1\n" },
      { root, path: "etc/ssh/ssh_host_ed25519_key", mode: "0600", from: join(tmp, "key") },
      { root, path: "etc/network/interfaces", mode: "0644", content: "x", ifDirExists: true },
      { root, path: "etc/binary", mode: "0644", content: Buffer.from([0, 1, 2, 255, 10]) },
    ]);
    expect(await readFile(join(root, "etc/hostname"), "utf8")).toBe("cam1\n");
    expect(await readFile(join(root, "etc/ssh/ssh_host_ed25519_key"), "utf8")).toBe("PRIVATE\n");
    expect((await lstat(join(root, "etc/ssh/ssh_host_ed25519_key"))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(root, "etc/binary"))).toEqual(Buffer.from([0, 1, 2, 255, 10]));
    expect((await readdir(join(root, "etc"))).sort()).toEqual(["binary", "hostname", "ssh"]); // no network dir made, no temp left
  });

  it("refuses a root, path, mode or source with a control character before writing anything", async () => {
    const ok = { root, path: "etc/ok", mode: "0644", content: "x" };
    for (const bad of [
      { ...ok, path: "etc/x\ny" },
      { ...ok, root: `${root}\r` },
      { ...ok, mode: "0644\u0000" },
      { path: "etc/k", root, mode: "0600", from: `${tmp}/key\u0085` },
    ]) {
      await expect(writeRootFiles(t, [ok, bad])).rejects.toThrow(InternalError);
    }
    await expect(lstat(join(root, "etc/ok"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses a parent directory that is a symlink out of the root", async () => {
    await symlink(outside, join(root, "evil"));
    await expect(writeRootFiles(t, [{ root, path: "evil/hosts", mode: "0644", content: "pwned\n" }])).rejects.toThrow(/resolves outside/);
    expect(await readFile(join(outside, "hosts"), "utf8")).toBe("host's own file\n");
  });

  it("replaces a symlink at the target itself instead of writing through it", async () => {
    await symlink(join(outside, "hosts"), join(root, "etc/hosts"));
    await writeRootFiles(t, [{ root, path: "etc/hosts", mode: "0644", content: "127.0.0.1 localhost\n" }]);
    expect(await readFile(join(outside, "hosts"), "utf8")).toBe("host's own file\n");
    expect((await lstat(join(root, "etc/hosts"))).isSymbolicLink()).toBe(false);
    expect(await readRootFile(t, root, "etc/hosts")).toBe("127.0.0.1 localhost\n");
  });

  it("reads inside the root only", async () => {
    expect(await readRootFile(t, root, "etc/missing")).toBeUndefined();
    await expect(readRootFile(t, root, "evil/hosts")).rejects.toThrow(/outside/);
  });

  it("splits large batches into several calls", async () => {
    const big = "x".repeat(40 * 1024);
    await writeRootFiles(
      t,
      [1, 2, 3].map((i) => ({ root, path: `etc/big${i}`, mode: "0644", content: big })),
    );
    for (const i of [1, 2, 3]) expect((await readFile(join(root, `etc/big${i}`), "utf8")).length).toBe(big.length);
  });
});
