// The nightly job end to end (issue 5): Toy-KAT locked and fetched from the fixtures, then `kiln nightly` bakes it
// offline, makes the VM (qcow2, VMDK, OVA), boots it under qemu + OVMF, talks to the simulator through
// the forwarded port, tags it and writes the JSON + HTML report. A boot test that cannot pass fails the
// night with exit 1, naming the stage and keeping its log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/exec/run.js";
import type { NightlyReport } from "../../src/nightly/types.js";
import { ensureBuilt, kiln, repoRoot } from "../support/kiln.js";
import { makeProject } from "../support/project.js";

let tmp: string;
let proj: string;
let report: NightlyReport & { html: string };

beforeAll(async () => {
  await ensureBuilt();
  await run(["bash", join(repoRoot, "fixtures/scripts/build-all.sh")], { timeoutMs: 300_000 });
  tmp = await mkdtemp(join(tmpdir(), "kiln-nightly-"));
  proj = join(tmp, "p");
  await makeProject(proj);
  const f = await kiln(["lock", "--recipe", "recipes/toy-kat.toml"], { cwd: proj });
  expect(f.exitCode, f.stderr).toBe(0);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("kiln nightly", () => {
  it("bakes Toy-KAT, builds and boots the VM, the simulator answers, and the night is tagged and reported", async () => {
    // OVMF on the hardware VirtualBox maps the OVA to (AHCI disk, e1000 NIC); vm.test.ts boots SeaBIOS.
    const r = await kiln(["nightly", "--keep", "2", "--boot-hw", "ahci", "--json"], { cwd: proj });
    expect(r.exitCode, r.stderr).toBe(0);
    report = JSON.parse(r.stdout) as typeof report;
    expect(report.ok).toBe(true);
    expect(report.stages.map((s) => s.name)).toEqual(["bake", "vm", "boot test", "tag", "retention"]);
    // The boot test ran on the qcow2 while the VMDK and OVA were converted: inside the vm stage's time.
    const secs = (n: string): number => report.stages.find((s) => s.name === n)?.seconds ?? NaN;
    expect(secs("boot test")).toBeLessThanOrEqual(secs("vm"));
    // --json names every file the night made, absolute, for a CI job to archive.
    expect(Object.keys(report.files ?? {}).sort()).toEqual(["boot.log", "ova", "qcow2", "report.html", "report.json", "vm.json", "vmdk"]);
    for (const f of Object.values(report.files ?? {})) expect(existsSync(f), f).toBe(true);
    expect(report.bootTest).toMatchObject({ ok: true, stage: "watchdog", hw: "ahci", firmware: "uefi" });
    expect(report.tag).toBe(`toy-kat-nightly-${report.night}`);
    const tagged = await kiln(["inspect", report.tag as string, "--json"], { cwd: proj });
    expect(JSON.parse(tagged.stdout).image).toBe(report.image);
    const night = join(proj, ".kiln/nightly", report.night);
    const vmFiles = await readdir(join(night, "vm"));
    for (const ext of [".qcow2", ".vmdk", ".ova"]) expect(vmFiles.some((f) => f.endsWith(ext))).toBe(true);
    expect(report.sizes.template).toBeGreaterThan(0);
    expect(report.sizes.qcow2).toBeGreaterThan(0);
    expect(await readFile(join(night, "boot.log"), "utf8")).toMatch(/login:|Multi-User System/);
    const html = await readFile(report.html, "utf8");
    expect(html).toContain("toy-kat nightly");
    expect(html).not.toMatch(/<script|<link|https?:\/\//);
    expect(JSON.parse(await readFile(join(night, "report.json"), "utf8"))).toMatchObject({ ok: true, image: report.image });
  });

  it("reuses the tested night's disks and boot result when the image is unchanged", async () => {
    const t0 = Date.now();
    const r = await kiln(["nightly", "--keep", "2", "--boot-hw", "ahci", "--json"], { cwd: proj });
    const seconds = (Date.now() - t0) / 1000;
    expect(r.exitCode, r.stderr).toBe(0);
    const again = JSON.parse(r.stdout) as typeof report;
    expect(again).toMatchObject({ ok: true, image: report.image, reusedFrom: report.night, bootTest: report.bootTest });
    expect(again.stages.filter((s) => s.reused).map((s) => s.name)).toEqual(["vm", "boot test"]);
    // The same night ran again: its files are back in place, the same bytes.
    expect(again.files).toEqual(report.files);
    for (const f of Object.values(again.files ?? {})) expect(existsSync(f), f).toBe(true);
    expect(seconds).toBeLessThan(60); // no VM was built or booted (a TCG boot alone takes minutes)
  });

  it("fails with exit 1 when the boot test cannot pass, naming the stage and keeping its log", async () => {
    // --force: the image is unchanged, so without it the tested night's result would be reused.
    const r = await kiln(["nightly", "--keep", "2", "--boot-timeout", "3", "--force", "--json"], { cwd: proj });
    expect(r.exitCode).toBe(1);
    const failed = JSON.parse(r.stdout) as NightlyReport;
    expect(failed).toMatchObject({ ok: false, failedStage: "boot test" });
    // The unchanged bake came straight from the store.
    expect(failed.image).toBe(report.image);
    const night = join(proj, ".kiln/nightly", failed.night);
    expect(existsSync(join(night, "boot-test.log"))).toBe(true);
    expect(existsSync(join(night, "boot.log"))).toBe(true);
    expect(await readFile(join(night, "report.html"), "utf8")).toContain("FAILED at boot test");
  });
});
