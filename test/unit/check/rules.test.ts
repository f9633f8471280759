// Each rule: the minimal tree passes, and one change to it fails exactly that rule, named with its path.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memorySource, packTree, type MemoryNode } from "../../../src/archive/index.js";
import { checkTemplate } from "../../../src/check/index.js";
import { elfHeader, minimalTree } from "./minimal-tree.js";

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-check-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Packs nodes to a .tar.gz (the extension Proxmox accepts; gzip needs no external tool) and checks it. */
async function check(nodes: readonly MemoryNode[], name = `debian-t_1.0.0_amd64-${n++}.tar.gz`) {
  const out = join(dir, name);
  await packTree(memorySource(nodes), { epoch: 1_700_000_000, compression: { kind: "gzip" }, out });
  return checkTemplate(out);
}

/** The rule/path pairs of a report's failures. */
const failed = (r: Awaited<ReturnType<typeof check>>) => r.failures.map((f) => `${f.rule} ${f.path}`);

describe("checkTemplate", () => {
  it("passes the minimal Debian tree and reports what it read", async () => {
    const r = await check(minimalTree());
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.arch).toBe("amd64");
    expect(r.osId).toBe("debian");
    expect(r.members).toBe(20);
  });

  it("extension: refuses names Proxmox does not list (.tgz included)", async () => {
    const ok = join(dir, `debian-ok_1_amd64.tar.gz`);
    await packTree(memorySource(minimalTree()), { epoch: 1, compression: { kind: "gzip" }, out: ok });
    const bad = join(dir, "template.tgz");
    await copyFile(ok, bad);
    expect(failed(await checkTemplate(bad))).toEqual([`extension ${bad}`]);
  });

  it("members: fewer than 10 fails", async () => {
    const r = await check([
      { path: "sbin", type: "dir" },
      { path: "etc", type: "dir" },
    ]);
    expect(failed(r)).toContain(`members ${r.template}`);
  });

  it("sbin: a dir or symlink passes, a missing one fails", async () => {
    expect((await check(minimalTree({ replace: { sbin: { path: "sbin", type: "dir" } } }))).ok).toBe(true);
    expect(failed(await check(minimalTree({ replace: { sbin: null } })))).toEqual(["sbin /sbin"]);
  });

  it("os-release: follows the symlink inside the archive; missing or unmanaged IDs fail", async () => {
    expect(failed(await check(minimalTree({ replace: { "usr/lib/os-release": null } })))).toEqual(["os-release /etc/os-release"]);
    const windows = await check(minimalTree({ replace: { "usr/lib/os-release": { path: "usr/lib/os-release", content: "ID=windows\n" } } }));
    expect(failed(windows)).toEqual(["os-release /etc/os-release"]);
    expect(windows.failures[0]?.message).toContain("'windows'");
    const rocky = await check(minimalTree({ replace: { "usr/lib/os-release": { path: "usr/lib/os-release", content: 'ID="rocky"\n' } } }));
    expect(rocky.ok).toBe(true);
  });

  it("arch: /bin/sh must resolve (bin -> usr/bin, sh -> dash) to a known ELF", async () => {
    const script = await check(minimalTree({ replace: { "usr/bin/dash": { path: "usr/bin/dash", content: "#!/bin/true\n" } } }));
    expect(failed(script)).toEqual(["arch /usr/bin/dash"]);
    const dangling = await check(minimalTree({ replace: { "usr/bin/dash": null } }));
    expect(failed(dangling)).toEqual(["arch /usr/bin/dash"]);
    expect(dangling.failures[0]?.message).toContain("missing");
    const arm = await check(
      minimalTree({ replace: { "usr/bin/dash": { path: "usr/bin/dash", content: elfHeader({ machine: 183 }) } } }),
      "debian-t_1_arm64.tar.gz",
    );
    expect(arm.ok).toBe(true);
    expect(arm.arch).toBe("arm64");
  });

  it("arch: a Proxmox-style name must match the binaries", async () => {
    const r = await check(minimalTree(), "debian-t_1.0.0_arm64.tar.gz");
    expect(failed(r)).toEqual(["arch /usr/bin/dash"]);
  });

  it("ifupdown: required on Debian, from dpkg's status", async () => {
    const status = "Package: ifupdown\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: ifupdown2\nStatus: install ok installed\nVersion: 3\n";
    expect((await check(minimalTree({ replace: { "var/lib/dpkg/status": { path: "var/lib/dpkg/status", content: status } } }))).ok).toBe(true);
    const none = "Package: ifupdown\nStatus: deinstall ok config-files\nVersion: 1\n";
    expect(failed(await check(minimalTree({ replace: { "var/lib/dpkg/status": { path: "var/lib/dpkg/status", content: none } } })))).toEqual([
      "ifupdown /var/lib/dpkg/status",
    ]);
    expect(failed(await check(minimalTree({ replace: { "var/lib/dpkg/status": null } })))).toEqual(["ifupdown /var/lib/dpkg/status"]);
  });

  it("ssh host keys: any etc/ssh/ssh_host_*_key* fails", async () => {
    const r = await check(minimalTree({ add: [{ path: "etc/ssh/ssh_host_ed25519_key.pub", content: "ssh-ed25519 AAAA root@x\n" }] }));
    expect(failed(r)).toEqual(["ssh-host-keys /etc/ssh/ssh_host_ed25519_key.pub"]);
  });

  it("machine-id: empty, 'uninitialized' or missing pass; an id fails", async () => {
    const mid = (content: string) => minimalTree({ replace: { "etc/machine-id": { path: "etc/machine-id", content } } });
    expect((await check(mid("uninitialized\n"))).ok).toBe(true);
    expect((await check(minimalTree({ replace: { "etc/machine-id": null } }))).ok).toBe(true);
    expect(failed(await check(mid("0123456789abcdef0123456789abcdef\n")))).toEqual(["machine-id /etc/machine-id"]);
  });

  it("private keys: PEM and OpenSSH private keys anywhere fail, public material passes", async () => {
    const r = await check(
      minimalTree({
        add: [
          { path: "root", type: "dir" },
          { path: "root/id_ed25519", content: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n" },
          { path: "etc/ssl.key", content: "\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n" },
          { path: "etc/cert.pem", content: "-----BEGIN CERTIFICATE-----\nMIIE\n" },
          { path: "etc/doc.txt", content: "how to: -----BEGIN PRIVATE KEY----- goes here\n" },
        ],
      }),
    );
    expect(failed(r).sort()).toEqual(["private-key /etc/ssl.key", "private-key /root/id_ed25519"]);
  });

  it("an unreadable archive is a failed check, a missing file is bad input", async () => {
    const junk = join(dir, "junk.tar.zst");
    await (await import("node:fs/promises")).writeFile(junk, "not a tar at all".repeat(64));
    const r = await checkTemplate(junk);
    expect(r.ok).toBe(false);
    expect(r.failures[0]?.rule).toBe("readable");
    await expect(checkTemplate(join(dir, "absent.tar.zst"))).rejects.toMatchObject({ exitCode: 2 });
  });
});
