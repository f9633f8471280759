// Leftovers of killed runs: a bake SIGKILLed mid-way leaves its scratch dir in cache/tmp; the next sweep
// removes it, and never an entry whose owner (pid + start time) still runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { run, pipedFailure, spawnPiped } from "../../../src/exec/run.js";
import { sweepCacheTemps } from "../../../src/sources/cache.js";
import { ownerAlive, ownerToken, pidAlive, processStartTime } from "../../../src/util/process.js";
import { ownerInName } from "../../../src/util/sweep.js";

let cache: string;
beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), "kiln-sweep-"));
});
afterAll(async () => {
  await rm(cache, { recursive: true, force: true });
});

/** Resolves with the text after `word` once `stream` has printed a line with it. */
function lineAfter(stream: Readable, word: string): Promise<string> {
  return new Promise((ok, fail) => {
    let seen = "";
    stream.on("data", (b: Buffer) => {
      seen += b.toString();
      const m = new RegExp(`${word} (.*)\\n`).exec(seen);
      if (m?.[1]) ok(m[1]);
    });
    stream.on("end", () => fail(new Error(`child ended without printing '${word}': ${seen}`)));
  });
}

describe("owners", () => {
  it("names this process by pid and start time, and tells a reused pid apart", () => {
    const start = processStartTime(process.pid);
    expect(start).toMatch(/^\d+$/);
    expect(ownerToken()).toBe(`${process.pid}.${start}`);
    expect(ownerInName(`.bake-${ownerToken()}-Ab12Cd`)).toEqual({ pid: process.pid, start });
    expect(ownerAlive({ pid: process.ppid, start: processStartTime(process.ppid) })).toBe(true);
    // The same pid with another start time is another process: its owner is gone.
    expect(ownerAlive({ pid: process.ppid, start: "1" })).toBe(false);
    expect(pidAlive(999_999_999)).toBe(false);
  });
});

describe("sweeping cache/tmp", () => {
  it("keeps a live bake's scratch dir, removes it once the bake is SIGKILLed", async () => {
    const root = resolve(__dirname, "../../..");
    const child = spawnPiped([process.execPath, join(__dirname, "temp-child.mjs"), root, cache], { cwd: root });
    const exited = child.then(
      () => "exited",
      (e: unknown) => pipedFailure(e).signal,
    );
    const work = await lineAfter(child.stdout as Readable, "made");
    expect(work.startsWith(join(cache, "tmp", `.bake-${child.pid}.`))).toBe(true);
    expect(await sweepCacheTemps(cache)).toEqual([]);
    expect(await readdir(join(cache, "tmp"))).toHaveLength(1);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(await sweepCacheTemps(cache, { dryRun: true })).toEqual([work]);
    expect(await readdir(join(cache, "tmp"))).toHaveLength(1);
    expect(await sweepCacheTemps(cache)).toEqual([work]);
    expect(await readdir(join(cache, "tmp"))).toEqual([]);
  }, 60_000);

  it("removes a dead pid's entry and a reused pid's (wrong start time), keeps a live owner's and fresh unowned ones", async () => {
    const tmp = join(cache, "tmp");
    const live = `.apt-fetch-${process.ppid}.${processStartTime(process.ppid)}-Ab12Cd`;
    const reused = `.apt-fetch-${process.ppid}.1-Ab12Cd`;
    const dead = `.bake-999999999.5-Zz99Yy`;
    const unowned = ".bake-Qq11Ww"; // an older kiln's name: removed only once a day old
    for (const n of [live, reused, dead, unowned]) await mkdir(join(tmp, n, "rootfs"), { recursive: true });
    expect([...(await sweepCacheTemps(cache))].sort()).toEqual([join(tmp, dead), join(tmp, reused)].sort());
    expect((await readdir(tmp)).sort()).toEqual([live, unowned].sort());
  });

  it.runIf(process.getuid?.() === 0)("never removes through a mount under a stale entry", async () => {
    const tmp = join(cache, "tmp");
    const dead = join(tmp, ".bake-999999998.5-Mn34Op");
    await mkdir(join(dead, "rootfs", "proc"), { recursive: true });
    await run(["mount", "-t", "tmpfs", "kiln-test", join(dead, "rootfs", "proc")]);
    try {
      expect(await sweepCacheTemps(cache)).toEqual([]);
      expect(await readdir(tmp)).toContain(".bake-999999998.5-Mn34Op");
    } finally {
      await run(["umount", join(dead, "rootfs", "proc")]);
    }
    expect(await sweepCacheTemps(cache)).toEqual([dead]);
  });
});
