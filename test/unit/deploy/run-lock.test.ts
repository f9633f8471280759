// The inventory lock: held by a live kiln it refuses; left by a killed one it is taken over, also when the
// killed kiln's pid has since been given to another process (the lock names the pid and its start time).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockInventory, lockOwner } from "../../../src/deploy/run-lock.js";
import { processStartTime } from "../../../src/util/process.js";

let dir: string;
let inv: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-lock-"));
  inv = join(dir, "site.toml");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("lockInventory", () => {
  it("writes this process's pid and start time, and removes the file on release", async () => {
    const release = await lockInventory(inv);
    expect(await readFile(`${inv}.lock`, "utf8")).toBe(`${process.pid}.${processStartTime(process.pid)}\n`);
    await release();
    await expect(readFile(`${inv}.lock`)).rejects.toThrow(/ENOENT/);
  });

  it("refuses a lock whose owner runs (the parent process, with its real start time)", async () => {
    await writeFile(`${inv}.lock`, `${process.ppid}.${processStartTime(process.ppid)}\n`);
    await expect(lockInventory(inv)).rejects.toThrow(new RegExp(`another kiln \\(pid ${process.ppid}\\)`));
    await rm(`${inv}.lock`);
  });

  it("takes over a lock whose pid now belongs to another process (start time differs)", async () => {
    const start = Number(processStartTime(process.ppid));
    await writeFile(`${inv}.lock`, `${process.ppid}.${start + 1}\n`);
    const release = await lockInventory(inv);
    await release();
  });

  it("reads both the bare pid older kilns wrote and pid.start; nothing else", () => {
    expect(lockOwner("123\n")).toEqual({ pid: 123, start: undefined });
    expect(lockOwner("123.456")).toEqual({ pid: 123, start: "456" });
    for (const bad of ["", "x", "0", "-1", "1.2.3"]) expect(lockOwner(bad), bad).toBeUndefined();
  });
});
