import { describe, expect, it } from "vitest";
import { clusterSectors, entryConf, espFiles, kernelOptions, LOADER_CONF, mkfsVfatArgv, mtoolsImage } from "../../../src/vm/esp.js";
import { layoutDisk, MiB } from "../../../src/vm/geometry.js";
import { diskIds } from "../../../src/vm/ids.js";

const ids = diskIds(`sha256:${"e".repeat(64)}`);
const layout = layoutDisk({ diskBytes: 1024 * MiB, espBytes: 128 * MiB });
if (!layout) throw new Error("no layout");
const boot = {
  release: "6.1.0-28-amd64",
  kernel: "boot/vmlinuz-6.1.0-28-amd64",
  initrd: "boot/initrd.img-6.1.0-28-amd64",
  loader: "usr/lib/systemd/boot/efi/systemd-bootx64.efi",
};

describe("the ESP", () => {
  it("keeps FAT32's minimum cluster count whatever the size", () => {
    for (const mib of [33, 64, 128, 200, 512, 2048]) {
      const sectors = mib * 2048;
      const s = clusterSectors(sectors);
      expect((sectors * 0.98) / s, `${mib} MiB`).toBeGreaterThanOrEqual(65525);
    }
    expect(clusterSectors(128 * 2048)).toBe(2);
    expect(clusterSectors(2048 * 2048)).toBe(8);
  });

  it("is formatted in place at the partition's sector with the derived volume id", () => {
    const argv = mkfsVfatArgv({ layout, ids }, "/w/disk.raw");
    expect(argv).toEqual(expect.arrayContaining(["-F", "32", "-i", ids.espVolumeId, "--offset=2048", "/w/disk.raw"]));
    expect(argv.at(-1)).toBe(String(128 * 1024)); // 1 KiB blocks
    expect(argv).not.toContain("-n"); // no label: its directory entry would carry the clock
    expect(mtoolsImage({ layout }, "/w/disk.raw")).toBe("/w/disk.raw@@1048576");
  });

  it("boots the image's kernel by root PARTUUID with the serial console last", () => {
    const conf = entryConf({ name: "toy-kat", version: "1.0.0", imageId: `sha256:${"e".repeat(64)}`, boot, ids });
    expect(conf).toContain("linux /kiln/vmlinuz-6.1.0-28-amd64\n");
    expect(conf).toContain("initrd /kiln/initrd.img-6.1.0-28-amd64\n");
    expect(conf).toContain(`options root=PARTUUID=${ids.rootPartUuid} rw `);
    expect(kernelOptions("x")).toMatch(/console=ttyS0,115200$/);
    expect(LOADER_CONF).toMatch(/^default kiln\.conf$/m);
  });

  it("holds systemd-boot as the removable-media loader, its config, kernel and initrd", () => {
    const files = espFiles({ boot }, "/t", "/w");
    expect(files).toEqual([
      ["/t/usr/lib/systemd/boot/efi/systemd-bootx64.efi", "::/EFI/BOOT/BOOTX64.EFI"],
      ["/w/loader.conf", "::/loader/loader.conf"],
      ["/w/kiln.conf", "::/loader/entries/kiln.conf"],
      ["/t/boot/vmlinuz-6.1.0-28-amd64", "::/kiln/vmlinuz-6.1.0-28-amd64"],
      ["/t/boot/initrd.img-6.1.0-28-amd64", "::/kiln/initrd.img-6.1.0-28-amd64"],
    ]);
  });
});
