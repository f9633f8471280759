// The bake sandbox, for real: no network but loopback, and no mount or process that outlives it,
// even when the sandboxed process is killed with SIGKILL. Needs root (namespaces, mount).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { access, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolError } from "../../src/errors.js";
import { run } from "../../src/exec/run.js";
import { runInChroot, runSandboxed, sandboxArgv } from "../../src/exec/sandbox.js";
import { mmdebstrapArgv } from "../../src/exec/argv/mmdebstrap.js";
import { runMmdebstrap } from "../../src/bake/stages/bootstrap.js";
import { installPython, makeVenv, venvDistributions } from "../../src/bake/stages/python.js";
import type { Lock } from "../../src/lock/types.js";
import type { Recipe } from "../../src/recipe/types.js";
import { sha256File } from "../../src/util/hash.js";
import { ESCAPE_PROBE, hostLoopDevice, WHEEL_MAKER } from "../support/probes.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-sandbox-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Lines of the host's mount table that mention `needle`. */
async function hostMounts(needle: string): Promise<string[]> {
  return (await readFile("/proc/self/mountinfo", "utf8")).split("\n").filter((l) => l.includes(needle));
}

/** PIDs (host view) of processes whose command line contains `needle`. */
async function processesWith(needle: string): Promise<string[]> {
  const out: string[] = [];
  for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmd.split("\0").join(" ").includes(needle)) out.push(pid);
  }
  return out;
}

/** Polls `fn` until it returns a non-empty list or the time is up; returns the last result. */
async function untilFound(fn: () => Promise<string[]>, ms = 5000): Promise<string[]> {
  const end = Date.now() + ms;
  let last = await fn();
  while (last.length === 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    last = await fn();
  }
  return last;
}

/** Polls `fn` until it returns an empty list or the time is up; returns the last result. */
async function untilEmpty(fn: () => Promise<string[]>, ms = 3000): Promise<string[]> {
  const end = Date.now() + ms;
  let last = await fn();
  while (last.length && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    last = await fn();
  }
  return last;
}

const PY_CONNECT =
  "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n    print('connected')\nexcept OSError as e:\n    print('errno', e.errno)\n";

describe("sandbox", () => {
  it("has only loopback, up, and cannot reach any other address", async () => {
    const links = await runSandboxed(["ip", "-o", "link"]);
    const names = links.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(":")[1]?.trim());
    expect(names).toEqual(["lo"]);
    expect(links.stdout).toContain("UP");
    const py = await runSandboxed(["/usr/bin/python3", "-c", PY_CONNECT]);
    expect(py.stdout.trim()).toBe("errno 101"); // ENETUNREACH
    // Loopback works: a server and a client inside the sandbox talk to each other.
    const lo = await runSandboxed([
      "/usr/bin/python3",
      "-c",
      "import socket\ns=socket.socket(); s.bind(('127.0.0.1',0)); s.listen()\nc=socket.create_connection(s.getsockname(), timeout=2); print('ok')",
    ]);
    expect(lo.stdout.trim()).toBe("ok");
  });

  it("passes argv through untouched (no shell parsing of caller strings)", async () => {
    const r = await runSandboxed(["/bin/echo", "$(id)", "a  b", "'q'"]);
    expect(r.stdout).toBe("$(id) a  b 'q'\n");
  });

  it("keeps the host network only when asked (kiln fetch)", () => {
    expect(sandboxArgv(["true"], { network: true })).not.toContain("--net");
    expect(sandboxArgv(["true"])).toContain("--net");
  });

  it("makes mounts inside invisible outside, and gone after exit", async () => {
    const dir = join(tmp, "m1");
    await mkdir(dir);
    const r = await runSandboxed(["/bin/sh", "-c", 'mount -t tmpfs kiln-sbx-m1 "$0" && grep -c kiln-sbx-m1 /proc/self/mountinfo', dir]);
    expect(r.stdout.trim()).toBe("1");
    expect(await hostMounts("kiln-sbx-m1")).toEqual([]);
  });

  it("leaves no mount and no process behind when killed with SIGKILL", async () => {
    const dir = join(tmp, "m2");
    await mkdir(dir);
    // The mount is made, then a grandchild sleeps (it would keep the namespace alive if it survived).
    const script = 'mount -t tmpfs kiln-sbx-m2 "$0" && grep -c kiln-sbx-m2 /proc/self/mountinfo > "$0.seen" && sleep 97.25 & wait';
    const killed = await runSandboxed(["/bin/sh", "-c", script, dir], { timeoutMs: 2500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(killed).toBeInstanceOf(ToolError);
    expect((killed as Error).message).toMatch(/timed out|killed/);
    expect((await readFile(`${dir}.seen`, "utf8")).trim()).toBe("1");
    expect(await untilEmpty(() => processesWith("sleep 97.25"))).toEqual([]);
    expect(await untilEmpty(() => hostMounts("kiln-sbx-m2"))).toEqual([]);
    expect((await run(["findmnt", "-rn", "-o", "TARGET"])).stdout).not.toContain(dir);
  });

  it("ends the step when kiln itself is killed with SIGKILL (the step is not left running)", async () => {
    // A stand-in for kiln: a node process that runs the sandboxed argv as its child, then is killed -9.
    const argv = sandboxArgv(["sleep", "98.75"]);
    const kilnLike = spawn(
      process.execPath,
      [
        "-e",
        `require("node:child_process").spawn(${JSON.stringify(argv[0])}, ${JSON.stringify(argv.slice(1))}, { stdio: "ignore" }); setInterval(() => {}, 1000);`,
      ],
      { stdio: "ignore" },
    );
    try {
      expect(await untilFound(() => processesWith("sleep 98.75"))).not.toEqual([]);
    } finally {
      kilnLike.kill("SIGKILL");
    }
    expect(await untilEmpty(() => processesWith("sleep 98.75"))).toEqual([]);
  });
});

describe("sandbox: image steps see the image only", () => {
  let root: string;
  let secret: string;
  let sock: string;
  let server: Server;
  const usrMounted = async () => (await readFile("/proc/self/mountinfo", "utf8")).split("\n").filter((l) => l.split(" ")[4] === join(root, "usr"));

  beforeAll(async () => {
    // A small root: the host's /usr bound read-only (its python3, sh) plus empty mount points. Fast to make.
    root = join(tmp, "root");
    for (const d of ["usr", "proc", "sys", "dev", "tmp", "root"]) await mkdir(join(root, d), { recursive: true });
    for (const l of ["bin", "sbin", "lib", "lib64"]) await symlink(`usr/${l}`, join(root, l));
    await run(["mount", "--bind", "/usr", join(root, "usr")]);
    await run(["mount", "-o", "remount,bind,ro", join(root, "usr")]);
    expect((await usrMounted())[0]?.split(" ")[5]).toMatch(/^ro\b/);
    secret = `kiln-host-secret-${process.pid}-${Date.now()}`;
    await mkdir(join(tmp, "host"));
    await writeFile(join(tmp, "host", "marker"), secret);
    sock = join(tmp, "host", "sock");
    server = createServer((c) => c.end());
    await new Promise<void>((resolve) => server.listen(sock, resolve));
  });
  afterAll(async () => {
    server?.close();
    await run(["umount", join(root, "usr")], { allowFailure: true });
    // Never let the rm in the outer afterAll reach the host's /usr.
    if ((await usrMounted()).length) throw new Error(`${root}/usr is still mounted: unmount it before removing ${tmp}`);
  });

  it("runs a normal step: writes into the root, sees its /proc and /dev/null", async () => {
    const r = await runInChroot(root, [
      "/bin/sh",
      "-c",
      'echo made > /made-here && ls /proc/self/status && echo x > /dev/null && cat /proc/1/cmdline | tr "\\0" " "',
    ]);
    expect(r.stdout).toContain("/proc/self/status");
    expect(await readFile(join(root, "made-here"), "utf8")).toBe("made\n");
    await rm(join(root, "made-here"));
  });

  it("cannot read a host file, reach a host socket, chroot out, mount or make a device node", async () => {
    const marker = join(tmp, "host", "marker");
    const r = await runInChroot(root, ["/usr/bin/python3", "-I", "-c", ESCAPE_PROBE, marker, sock, "/kiln-step-was-here"]);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(await readFile(join(root, "kiln-step-was-here"), "utf8")).toBe("ok");
    expect(out).toMatchObject({ devnull: "ok", proc: true, capbnd_sys_admin: 0, mount: "errno 1", mknod: "errno 1" });
    for (const k of ["direct", "proc1", "procself", "relative", "chroot_escape", "chroot_proc1", "shadow", "write_out"])
      expect([k, out[k]]).toEqual([k, "errno 2"]);
    for (const k of ["socket", "socket_proc1", "chroot_escape_socket"]) expect([k, out[k]]).toEqual([k, "errno 2"]);
    expect(r.stdout).not.toContain(secret);
  });
  it("runs the bootstrap's mmdebstrap in a mini-root: its hook finds no host file or socket and no way out (unpivoted it does)", async () => {
    // Host things that are not bound in: a marker in /var/tmp (beside it the probe tries to write), /etc/shadow, the socket.
    const hostDir = await mkdtemp("/var/tmp/kiln-probe-");
    const hostServer = createServer((c) => c.end());
    let disk: { readonly detach: () => Promise<void> } | undefined;
    try {
      const marker = join(hostDir, "marker");
      await writeFile(marker, secret);
      // Not under /tmp, which the probe itself mounts over before it tries the sockets.
      const sock = join(hostDir, "sock");
      await new Promise<void>((resolve) => hostServer.listen(sock, resolve));
      const d = { work: join(tmp, "mm"), root: join(tmp, "mm", "root"), repo: join(tmp, "mm", "repo"), tmp: join(tmp, "mm", "tmp") };
      for (const dir of [d.root, d.repo, d.tmp]) await mkdir(dir, { recursive: true });
      // A setup hook runs as mmdebstrap itself: where a maintainer script gets to once it chroots out of the target.
      const hook = '/usr/bin/python3 -I -c "$KILN_PROBE" "$KILN_MARKER" "$KILN_SOCK" > "$1/probe.json"; exit 1';
      const arch = (await run(["dpkg", "--print-architecture"])).stdout.trim();
      const argv = mmdebstrapArgv({
        suite: "bookworm",
        target: d.root,
        format: "directory",
        mirrors: [`deb [trusted=yes] copy://${d.repo} ./`],
        variant: "essential",
        arch,
        include: [],
        hooks: { setup: [hook] },
      });
      // A host block device (a loop over a file), readable from the host.
      disk = await hostLoopDevice(hostDir);
      const env = { KILN_PROBE: ESCAPE_PROBE, KILN_MARKER: marker, KILN_SOCK: sock, KILN_HOSTDEV: disk.dev, TMPDIR: d.tmp };
      const probe = async (): Promise<Record<string, unknown>> => JSON.parse(await readFile(join(d.root, "probe.json"), "utf8")) as Record<string, unknown>;

      await runMmdebstrap(argv, d, { env, allowFailure: true });
      const out = await probe();
      for (const k of ["direct", "proc1", "procself", "relative", "chroot_escape", "chroot_proc1", "shadow", "write_out"])
        expect([k, out[k]]).toEqual([k, "errno 2"]);
      for (const k of ["socket", "socket_proc1", "chroot_escape_socket"]) expect([k, out[k]]).toEqual([k, "errno 2"]);
      // It keeps SYS_ADMIN and MKNOD, but the devices cgroup refuses every block device: EPERM.
      expect([out.disk_mknod, out.disk_devtmpfs]).toEqual(["errno 1", "errno 1"]);
      await expect(access(join(hostDir, "escaped"))).rejects.toThrow();
      expect(await readdir(d.work)).toEqual(["repo", "root", "tmp"]);
      // Its devices cgroup is gone with it.
      const cgroups = (await readdir("/sys/fs/cgroup/devices").catch(() => [] as string[])).filter((n) => n.startsWith(`kiln-dev-${process.pid}.`));
      expect(cgroups).toEqual([]);

      // The same hook launched as the bootstrap did before (sandboxed, not pivoted) reaches all of it.
      await rm(d.root, { recursive: true });
      await mkdir(d.root);
      await runSandboxed(argv, { env, allowFailure: true });
      const before = await probe();
      expect(before).toMatchObject({ direct: secret, proc1: secret, chroot_escape: secret, chroot_proc1: secret, socket: "connected", write_out: "ok" });
      expect([before.disk_mknod, before.disk_devtmpfs]).toEqual(["ok", "ok"]);
      expect(before.shadow).not.toMatch(/^errno/);
    } finally {
      hostServer.close();
      await disk?.detach();
      await rm(hostDir, { recursive: true, force: true });
    }
  }, 60_000);

  it("binds what a step needs read-only: it reads the host directory and cannot write to it", async () => {
    const house = join(tmp, "host", "house");
    await mkdir(house);
    await writeFile(join(house, "w.txt"), "wheel\n");
    const mountPoint = join(root, "tmp", "house");
    await mkdir(mountPoint);
    const r = await runInChroot(
      root,
      ["/bin/sh", "-c", "cat /tmp/house/w.txt; echo x > /tmp/house/w.txt || echo refused; touch /tmp/house/new || echo refused"],
      { binds: [{ host: house, mountPoint }], allowFailure: true },
    );
    expect(r.stdout).toBe("wheel\nrefused\nrefused\n");
    expect(r.stderr).toContain("Read-only file system");
    expect(await readFile(join(house, "w.txt"), "utf8")).toBe("wheel\n");
    expect(await readdir(mountPoint)).toEqual([]);
    await rm(mountPoint, { recursive: true });
  });

  it("runs the pip layer through a read-only wheelhouse bind, leaving neither it nor its mount point", async () => {
    // One small wheel, made by the host's python (zipfile), in a cache laid out as kiln fetch does.
    const file = "kiln_probe-1.0-py3-none-any.whl";
    const made = join(tmp, file);
    await run(["/usr/bin/python3", "-c", WHEEL_MAKER, made]);
    const sha256 = await sha256File(made);
    const cache = join(tmp, "cache");
    await mkdir(join(cache, "wheels", sha256), { recursive: true });
    await run(["cp", made, join(cache, "wheels", sha256, file)]);
    const ctx = {
      recipe: { python: { venv: "/opt/venv" }, checkouts: [] } as unknown as Recipe,
      lock: { wheels: [{ name: "kiln-probe", version: "1.0", file, sha256 }] } as unknown as Lock,
      cache,
      root,
      work: join(tmp, "work"),
      epoch: 1700000000,
    };
    await mkdir(ctx.work);
    await makeVenv(ctx);
    await installPython(ctx);
    expect(await venvDistributions(root, "/opt/venv")).toContainEqual({ name: "kiln-probe", version: "1.0" });
    await expect(access(join(root, "tmp", "kiln-wheelhouse"))).rejects.toThrow();
    expect(await readdir(ctx.work)).toEqual([]);
    expect(await sha256File(join(cache, "wheels", sha256, file))).toBe(sha256);
  }, 120_000);
});
