import { describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MBR_CODE_BYTES, syslinuxArgv, syslinuxCfg, writeMbrCode } from "../../../src/vm/bios.js";
import { entryConf } from "../../../src/vm/esp.js";
import { ESP_TYPE, layoutDisk, MiB, sfdiskScript } from "../../../src/vm/geometry.js";
import { diskIds } from "../../../src/vm/ids.js";

const imageId = `sha256:${"c".repeat(64)}`;
const ids = diskIds(imageId);
const layout = layoutDisk({ diskBytes: 1024 * MiB, espBytes: 128 * MiB });
if (!layout) throw new Error("no layout");
const boot = {
  release: "6.1.0-28-amd64",
  kernel: "boot/vmlinuz-6.1.0-28-amd64",
  initrd: "boot/initrd.img-6.1.0-28-amd64",
  loader: "usr/lib/systemd/boot/efi/systemd-bootx64.efi",
};
const plan = { name: "toy-kat", version: "1.0.0", imageId, boot, ids };

/** The value after `key` in a syslinux.cfg or a systemd-boot entry (first match). */
function value(text: string, key: RegExp): string | undefined {
  return new RegExp(`^\\s*${key.source}\\s+(.*)$`, "m").exec(text)?.[1];
}

describe("the BIOS fallback", () => {
  it("boots the same kernel, initrd and command line as systemd-boot's entry", () => {
    const cfg = syslinuxCfg(plan);
    const entry = entryConf(plan);
    expect(value(cfg, /LINUX/)).toBe(value(entry, /linux/));
    expect(value(cfg, /INITRD/)).toBe(value(entry, /initrd/));
    expect(value(cfg, /APPEND/)).toBe(value(entry, /options/));
    expect(value(cfg, /APPEND/)).toMatch(/console=ttyS0,115200$/);
  });

  it("puts the serial console first and boots without a prompt, the same text for the same plan", () => {
    const directives = syslinuxCfg(plan)
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"));
    expect(directives[0]).toBe("SERIAL 0 115200");
    expect(directives).toEqual(expect.arrayContaining(["DEFAULT kiln", "PROMPT 0", "TIMEOUT 0", "LABEL kiln"]));
    expect(syslinuxCfg({ ...plan })).toBe(syslinuxCfg(plan));
  });

  it("marks the ESP legacy-BIOS-bootable (GPT attribute bit 2) and installs syslinux at its byte offset", () => {
    expect(sfdiskScript(layout, ids)).toContain(`type=${ESP_TYPE}, uuid=${ids.espPartUuid}, name="ESP", attrs="LegacyBIOSBootable"\n`);
    expect(sfdiskScript(layout, ids)).toMatch(/name="root"\n$/);
    expect(syslinuxArgv({ layout }, "/w/d.raw")).toEqual(["syslinux", "--install", "--offset", String(2048 * 512), "--directory", "/syslinux", "/w/d.raw"]);
  });

  it("writes the MBR boot code over bytes 0–439 only, keeping the disk signature and partition table", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-bios-"));
    try {
      const disk = join(dir, "d.raw");
      const before = Buffer.alloc(1024, 0x5a);
      await writeFile(disk, before);
      await writeMbrCode(disk, Buffer.alloc(MBR_CODE_BYTES, 0xc3));
      const after = await readFile(disk);
      expect(after.length).toBe(1024);
      expect(after.subarray(0, 440).every((b) => b === 0xc3)).toBe(true);
      expect(after.subarray(440).equals(before.subarray(440))).toBe(true);
      await expect(writeMbrCode(disk, Buffer.alloc(512))).rejects.toThrow(/expected 440/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
