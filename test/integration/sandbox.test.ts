// The bake sandbox, for real: no network but loopback, and no mount or process that outlives it,
// even when the sandboxed process is killed with SIGKILL. Needs root (namespaces, mount).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolError } from "../../src/errors.js";
import { run } from "../../src/exec/run.js";
import { runSandboxed, sandboxArgv } from "../../src/exec/sandbox.js";

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

const PY_CONNECT = "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n    print('connected')\nexcept OSError as e:\n    print('errno', e.errno)\n";

describe("sandbox", () => {
  it("has only loopback, up, and cannot reach any other address", async () => {
    const links = await runSandboxed(["ip", "-o", "link"]);
    const names = links.stdout.trim().split("\n").map((l) => l.split(":")[1]?.trim());
    expect(names).toEqual(["lo"]);
    expect(links.stdout).toContain("UP");
    const py = await runSandboxed(["/usr/bin/python3", "-c", PY_CONNECT]);
    expect(py.stdout.trim()).toBe("errno 101"); // ENETUNREACH
    // Loopback works: a server and a client inside the sandbox talk to each other.
    const lo = await runSandboxed(["/usr/bin/python3", "-c", "import socket\ns=socket.socket(); s.bind(('127.0.0.1',0)); s.listen()\nc=socket.create_connection(s.getsockname(), timeout=2); print('ok')"]);
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
});
