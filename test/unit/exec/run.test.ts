import { describe, expect, it } from "vitest";
import { ToolError } from "../../../src/errors.js";
import { checkTool, run, runBinary, showArgv } from "../../../src/exec/run.js";

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

// runBinary runs on node:child_process (see src/exec/tool.ts), so it is held to the same rules here.
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
