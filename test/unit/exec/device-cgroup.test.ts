import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ALLOWED_DEVICES, sweepDeviceCgroups, withDeviceCgroup } from "../../../src/exec/device-cgroup.js";
import { ownerToken } from "../../../src/util/process.js";

describe("devices cgroup for the bootstrap", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "kiln-devcg-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("allows only character devices, never a block device", () => {
    expect(ALLOWED_DEVICES.length).toBeGreaterThan(0);
    for (const rule of ALLOWED_DEVICES) expect(rule).toMatch(/^c \d+:(\d+|\*) rwm$/);
  });

  it("runs without a cgroup where the host has no v1 devices hierarchy", async () => {
    expect(await withDeviceCgroup(async (cg) => cg ?? "none", dir)).toBe("none");
  });

  it("sweeps the cgroups of kiln runs that are gone, not a live one's or another's", async () => {
    const dead = "kiln-dev-999999999.1-abcdef";
    const live = `kiln-dev-${ownerToken()}-abcdef`;
    for (const n of [dead, live, "lxc.payload.x"]) await mkdir(join(dir, n));
    expect(await sweepDeviceCgroups(dir)).toEqual([dead]);
    expect((await readdir(dir)).sort()).toEqual([live, "lxc.payload.x"].sort());
  });
});
