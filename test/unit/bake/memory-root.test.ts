// The in-memory rootfs dir: made in /dev/shm with its owner in the name when there is room, and swept
// once that owner is gone (never while it runs).
import { afterEach, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir, rm, statfs } from "node:fs/promises";
import { join } from "node:path";
import { rootParent, sweepMemoryRoots } from "../../../src/bake/memory-root.js";
import { ownerToken } from "../../../src/util/process.js";

const made: string[] = [];
afterEach(async () => {
  for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
  delete process.env.KILN_BAKE_IN_MEMORY;
});

// The bake uses /dev/shm only when it is a tmpfs with 4 GiB free: elsewhere these cases do not apply.
const shm = await statfs("/dev/shm").catch(() => undefined);
const shmIsTmpfs = shm?.type === 0x01021994 && shm.bavail * shm.bsize >= 4 * 1024 ** 3;

it.runIf(shmIsTmpfs)("makes the rootfs dir in /dev/shm, owned by this process, and keeps it while the owner runs", async () => {
  const p = await rootParent("/nonexistent-work");
  made.push(p.dir);
  expect(p.inMemory).toBe(true);
  expect(p.dir.startsWith(`/dev/shm/kiln-rootfs-${ownerToken()}-`)).toBe(true);
  await sweepMemoryRoots();
  expect(existsSync(p.dir)).toBe(true);
});

it.runIf(shmIsTmpfs)("sweeps the dir of a bake that is gone, and nothing without the prefix", async () => {
  const dead = "/dev/shm/kiln-rootfs-999999999.1-AbC123";
  const other = "/dev/shm/not-kiln-999999999.1-AbC123";
  made.push(dead, other);
  await mkdir(join(dead, "rootfs/etc"), { recursive: true });
  await mkdir(other);
  expect(await sweepMemoryRoots()).toContain(dead);
  expect(existsSync(dead)).toBe(false);
  expect(existsSync(other)).toBe(true);
});

it("keeps the rootfs in the work dir when KILN_BAKE_IN_MEMORY=0", async () => {
  process.env.KILN_BAKE_IN_MEMORY = "0";
  expect(await rootParent("/some/work")).toEqual({ dir: "/some/work", inMemory: false });
});
