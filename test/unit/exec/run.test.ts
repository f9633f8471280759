import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ToolError } from "../../../src/errors.js";
import { checkTool, pipedFailure, run, runBinary, showArgv, spawnPiped, stdinOf, stdoutOf } from "../../../src/exec/run.js";

describe("run", () => {
  it("passes argv without a shell and returns stdout", async () => {
    const r = await run(["printf", "%s|", "a b", "$HOME", "'q'"]);
    expect(r.stdout).toBe("a b|$HOME|'q'|");
  });

  it("runs with a minimal environment: nothing of the caller's leaks in", async () => {
    process.env.KILN_TEST_LEAK = "1";
    const r = await run(["env"], { env: { EXTRA: "x" } });
    delete process.env.KILN_TEST_LEAK;
    expect(r.stdout).not.toContain("KILN_TEST_LEAK");
    expect(r.stdout).toContain("EXTRA=x");
    expect(r.stdout).toContain("LANG=C.UTF-8");
  });

  it("says exit N with the stderr tail on failure", async () => {
    const e = await run(["sh", "-c", "echo boom >&2; exit 3"]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ToolError);
    expect((e as Error).message).toMatch(/sh -c 'echo boom >&2; exit 3': exit 3\nboom/);
  });

  it("says killed by signal, and not found (exit 127)", async () => {
    const k = await run(["sh", "-c", "kill -TERM $$"]).catch((x: unknown) => x as Error);
    expect(k.message).toContain("killed by signal SIGTERM");
    const n = await run(["kiln-no-such-tool"]).catch((x: unknown) => x as Error);
    expect(n.message).toContain("not found (exit 127)");
  });

  it("returns the exit code with allowFailure, and works with inherited output", async () => {
    expect((await run(["sh", "-c", "exit 4"], { allowFailure: true })).exitCode).toBe(4);
    const r = await run(["true"], { inherit: true });
    expect(r).toEqual({ exitCode: 0, stdout: "", stderr: "" });
  });

  it("kills a command that runs past its timeout", async () => {
    const e = await run(["sleep", "5"], { timeoutMs: 200 }).catch((x: unknown) => x as Error);
    expect(e.message).toContain("timed out");
  });

  it("checkTool names the tool, the reason and the hint", () => {
    expect(() => checkTool("kiln-no-such-tool", "test things", "apt-get install x")).toThrow(
      /could not find 'kiln-no-such-tool', which is required to test things\nhint: apt-get install x/,
    );
    expect(showArgv(["a", "b c", "it's"])).toBe(`a 'b c' 'it'\\''s'`);
  });
});

// runBinary and spawnPiped run on node:child_process (src/exec/spawn.ts), so they are held to the same rules here.
describe("runBinary", () => {
  it("returns stdout as bytes, exactly, with input on stdin and the minimal environment", async () => {
    const bytes = Buffer.from([0, 0xff, 0x0a, 0x80, 0x41]);
    expect(await runBinary(["cat"], { input: bytes })).toEqual(bytes);
    process.env.KILN_TEST_LEAK = "1";
    const env = (await runBinary(["env"], { env: { EXTRA: "x" } })).toString();
    delete process.env.KILN_TEST_LEAK;
    expect(env).not.toContain("KILN_TEST_LEAK");
    expect(env).toContain("EXTRA=x");
  });

  it("fails like run(): exit N with stderr, signal, not found, timeout; allowFailure keeps a plain exit", async () => {
    const fail = (argv: string[], opts = {}) => runBinary(argv, opts).catch((x: unknown) => x as Error);
    const e = await fail(["sh", "-c", "echo boom >&2; exit 3"]);
    expect(e).toBeInstanceOf(ToolError);
    expect(e.message).toMatch(/sh -c 'echo boom >&2; exit 3': exit 3\nboom/);
    expect((await fail(["sh", "-c", "kill -TERM $$"])).message).toContain("killed by signal SIGTERM");
    expect((await fail(["kiln-no-such-tool"])).message).toContain("not found (exit 127)");
    expect((await fail(["sleep", "5"], { timeoutMs: 200 })).message).toContain("timed out");
    expect((await runBinary(["sh", "-c", "printf out; exit 4"], { allowFailure: true })).toString()).toBe("out");
  });
});

/** True while process `pid` exists (and is not a zombie of ours). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z");
}

describe("spawnPiped", () => {
  it("streams stdin to stdout, or stdout straight into a file", async () => {
    const cat = spawnPiped(["cat"]);
    const out: Buffer[] = [];
    stdoutOf(cat).on("data", (b: Buffer) => out.push(b));
    stdinOf(cat).end("through\n");
    await cat;
    expect(Buffer.concat(out).toString()).toBe("through\n");
    const dir = mkdtempSync(join(tmpdir(), "kiln-spawn-"));
    try {
      const file = join(dir, "out");
      const tr = spawnPiped(["tr", "a-z", "A-Z"], { stdoutFile: file });
      expect(tr.stdout).toBeNull();
      stdinOf(tr).end("loud");
      await tr;
      expect(readFileSync(file, "utf8")).toBe("LOUD");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("joins two processes with one OS pipe, as a shell's a | b", async () => {
    const from = spawnPiped(["printf", "abc"], { stdin: "ignore" });
    const to = spawnPiped(["tr", "a-c", "x-z"], { stdin: stdoutOf(from) });
    const out: Buffer[] = [];
    stdoutOf(to).on("data", (b: Buffer) => out.push(b));
    await Promise.all([from, to]);
    expect(Buffer.concat(out).toString()).toBe("xyz");
  });

  it.each(["exit", "wait"])("does not outlive kiln (%s: kiln exits, or is sent SIGTERM)", async (mode) => {
    const child = spawnPiped([process.execPath, join(__dirname, "spawn-child.mjs"), join(__dirname, "../../.."), mode]);
    child.catch(() => undefined);
    const pid = await new Promise<number>((resolve) => stdoutOf(child).once("data", (b: Buffer) => resolve(Number(b.toString()))));
    expect(alive(pid)).toBe(true);
    if (mode === "wait") child.kill("SIGTERM");
    else stdinOf(child).write("exit now\n");
    await child.catch(() => undefined);
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  });

  it("rejects with what happened: exit N and the stderr tail, a kill, a missing tool", async () => {
    const failed = spawnPiped(["sh", "-c", "echo broken pipe dream >&2; exit 5"], { stdin: "ignore" });
    const e = await failed.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ToolError);
    expect((e as Error).message).toMatch(/exit 5\nbroken pipe dream/);
    expect(pipedFailure(e)).toMatchObject({ exitCode: 5, stderr: "broken pipe dream\n" });
    const sleeper = spawnPiped(["sleep", "30"]);
    expect(sleeper.pid).toBeGreaterThan(0);
    sleeper.kill("SIGKILL");
    expect(pipedFailure(await sleeper.catch((x: unknown) => x))).toMatchObject({ signal: "SIGKILL" });
    const missing = await spawnPiped(["kiln-no-such-tool"]).catch((x: unknown) => x as Error);
    expect(missing.message).toContain("not found (exit 127)");
  });
});
