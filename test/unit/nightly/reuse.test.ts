import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastTested, reuseNight } from "../../../src/nightly/reuse.js";
import type { NightlyReport } from "../../../src/nightly/types.js";

let out: string;
const IMG = `sha256:${"a".repeat(64)}`;
const files = { qcow2: "vm/x.qcow2", "boot.log": "boot.log", "report.json": "report.json", "report.html": "report.html" };

/** Writes a night with a report and the files it names. */
async function night(dir: string, r: Partial<NightlyReport>): Promise<void> {
  await mkdir(join(dir, "vm"), { recursive: true });
  const report = {
    reportVersion: 1,
    recipe: "toy-kat",
    ok: true,
    image: IMG,
    sizes: {},
    stages: [],
    bakeStages: [],
    totalSeconds: 1,
    retired: [],
    files,
    bootTest: { ok: true, stage: "watchdog", seconds: 1, log: "boot.log", accel: "tcg" },
    ...r,
  };
  await writeFile(join(dir, "report.json"), JSON.stringify(report));
  await writeFile(join(dir, "vm/x.qcow2"), `disk of ${r.night}`);
  await writeFile(join(dir, "boot.log"), "login:");
}

beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), "kiln-reuse-"));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

describe("nightly reuse", () => {
  test("finds the newest night that booted the same image, and links its files", async () => {
    await night(join(out, "20261128"), { night: "20261128" });
    await night(join(out, "20261129"), { night: "20261129" });
    await night(join(out, "20261130"), { night: "20261130", image: `sha256:${"b".repeat(64)}` });
    const t = await lastTested({ out, night: "20261201", image: IMG, hw: "virtio", firmware: "uefi" });
    expect(t?.report.night).toBe("20261129");
    const dir = join(out, "20261201");
    await reuseNight(t!, dir);
    expect(await readFile(join(dir, "vm/x.qcow2"), "utf8")).toBe("disk of 20261129");
    expect((await stat(join(dir, "vm/x.qcow2"))).nlink).toBe(2); // a hard link, not a copy
  });

  test("a night whose boot failed, or whose disks are gone, is not reused", async () => {
    await night(join(out, "20261128"), { night: "20261128", bootTest: { ok: false, stage: "kernel", seconds: 1, log: "boot.log", accel: "tcg" } });
    await night(join(out, "20261129"), { night: "20261129" });
    await rm(join(out, "20261129/vm/x.qcow2"));
    expect(await lastTested({ out, night: "20261201", image: IMG, hw: "virtio", firmware: "uefi" })).toBeUndefined();
  });

  test("a night booted on other hardware or firmware is not reused", async () => {
    await night(join(out, "20261129"), { night: "20261129" });
    expect(await lastTested({ out, night: "20261201", image: IMG, hw: "ahci", firmware: "uefi" })).toBeUndefined();
    expect(await lastTested({ out, night: "20261201", image: IMG, hw: "virtio", firmware: "bios" })).toBeUndefined();
  });

  test("tonight's earlier run, set aside, counts", async () => {
    const earlier = join(out, ".20261201-earlier-1");
    await night(earlier, { night: "20261201" });
    const t = await lastTested({ out, night: "20261201", earlier, image: IMG, hw: "virtio", firmware: "uefi" });
    expect(t?.dir).toBe(earlier);
  });
});
