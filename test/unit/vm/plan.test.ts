import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IndexEntry } from "../../../src/archive/types.js";
import { UserError } from "../../../src/errors.js";
import { checkFormats, networkMode, planVm } from "../../../src/vm/plan.js";
import { minimalTree } from "../check/minimal-tree.js";
import { addVariant } from "../store/helpers.js";

const KERNEL = [
  { path: "boot", type: "dir" as const },
  { path: "boot/vmlinuz-6.1.0-9-amd64", content: "old kernel" },
  { path: "boot/initrd.img-6.1.0-9-amd64", content: "old initrd" },
  { path: "boot/vmlinuz-6.1.0-28-amd64", content: "kernel" },
  { path: "boot/initrd.img-6.1.0-28-amd64", content: "initrd" },
  { path: "usr/lib/systemd", type: "dir" as const },
  { path: "usr/lib/systemd/boot", type: "dir" as const },
  { path: "usr/lib/systemd/boot/efi", type: "dir" as const },
  { path: "usr/lib/systemd/boot/efi/systemd-bootx64.efi", content: "MZ" },
];

let store: string;
let cwd: string;
beforeEach(async () => {
  store = await mkdtemp(join(tmpdir(), "kiln-vm-store-"));
  cwd = await mkdtemp(join(tmpdir(), "kiln-vm-out-"));
});
afterEach(async () => {
  await rm(store, { recursive: true, force: true });
  await rm(cwd, { recursive: true, force: true });
});

/** The problems of the UserError `p` rejects with. */
async function problems(p: Promise<unknown>): Promise<string[]> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  return (e as UserError).problems.map((x) => `${x.key ?? ""}: ${x.message}`);
}

describe("planVm", () => {
  it("plans a bootable image: newest kernel with its initrd, the loader, a default size, derived ids", async () => {
    const img = await addVariant(store, "vm", { nodes: minimalTree({ add: KERNEL }) });
    const out = join(cwd, "out");
    const plan = await planVm({ store, ref: img.manifest.image, out });
    expect(plan.boot).toEqual({
      release: "6.1.0-28-amd64",
      kernel: "boot/vmlinuz-6.1.0-28-amd64",
      initrd: "boot/initrd.img-6.1.0-28-amd64",
      loader: "usr/lib/systemd/boot/efi/systemd-bootx64.efi",
    });
    expect(plan.formats).toEqual(["qcow2", "vmdk", "ova"]);
    expect(plan.stem).toBe(`cam-node_1.0.0-${img.manifest.image.slice(7, 19)}`);
    expect(plan.layout.totalSectors * 512).toBe(320 * 1024 * 1024); // tiny tree: 300 MiB rounded up to 64 MiB
    expect(plan.sourceDateEpoch).toBe(1_700_000_000);
    expect(plan.network).toBe("none");
    expect(plan.bootTest).toBeUndefined();
    expect(existsSync(out)).toBe(false); // planning writes nothing
    const booted = await planVm({ store, ref: img.manifest.image, out, bootTest: true, bootHw: "ahci", bootFirmware: "BIOS" });
    expect(booted.bootTest).toEqual({ guestPort: 7147, timeoutSec: 300, hw: "ahci", firmware: "bios" });
    expect((await planVm({ store, ref: img.manifest.image, out, bootTest: true })).bootTest).toMatchObject({ hw: "virtio", firmware: "uefi" });
  });

  it("refuses an image without kernel and loader, an unknown format and a bad size, all at once, writing nothing", async () => {
    const img = await addVariant(store, "bare");
    const out = join(cwd, "out");
    const list = await problems(planVm({ store, ref: img.manifest.image, out, formats: ["qcow2", "vdi"], size: "lots" }));
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--formats: unknown format 'vdi' \(allowed: raw, qcow2, vmdk, ova\)/),
        expect.stringMatching(/no kernel \(\/boot\/vmlinuz-\*\): add linux-image-amd64/),
        expect.stringMatching(/no systemd-boot EFI binary.*add systemd-boot/),
        expect.stringMatching(/^--size: 'lots' is not a size/),
      ]),
    );
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a size too small for the tree and says what would do", async () => {
    const big = [...KERNEL, { path: "opt", type: "dir" as const }, { path: "opt/blob", content: Buffer.alloc(64 * 1024 * 1024) }];
    const img = await addVariant(store, "big", { nodes: minimalTree({ add: big }) });
    const list = await problems(planVm({ store, ref: img.manifest.image, out: join(cwd, "o"), size: "200M" }));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatch(/^--size: 200M is too small for the image .* give --size (\d+)M or more/);
    const least = Number(/give --size (\d+)M/.exec(list[0] ?? "")?.[1]);
    const ok = await planVm({ store, ref: img.manifest.image, out: join(cwd, "o"), size: `${least}M` });
    expect(ok.layout.totalSectors * 512).toBe(least * 1024 * 1024);
  }, 60_000);

  it("refuses a missing initrd, a boot test without qcow2, unknown boot hardware or firmware, and an unknown image with the other problems", async () => {
    const noInitrd = KERNEL.filter((n) => !n.path.startsWith("boot/initrd.img-6.1.0-28"));
    const img = await addVariant(store, "noinitrd", { nodes: minimalTree({ add: noInitrd }) });
    const list = await problems(planVm({ store, ref: img.manifest.image, formats: ["vmdk"], bootTest: true }));
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/no initrd for kernel 6\.1\.0-28-amd64.*initramfs-tools/),
        expect.stringMatching(/^--boot-test: .*add qcow2/),
      ]),
    );
    const hw = await problems(planVm({ store, ref: img.manifest.image, bootTest: true, bootHw: "scsi", bootFirmware: "coreboot" }));
    expect(hw).toEqual(
      expect.arrayContaining(['--boot-hw: unknown value "scsi" (allowed: virtio, ahci)', '--boot-firmware: unknown value "coreboot" (allowed: uefi, bios)']),
    );
    const unknown = await problems(planVm({ store, ref: "no-such-tag", formats: ["iso"] }));
    expect(unknown).toEqual([expect.stringMatching(/unknown format 'iso'/), expect.stringMatching(/no image matches 'no-such-tag'/)]);
  });
});

describe("checkFormats and networkMode", () => {
  it("orders formats canonically and refuses an empty list", () => {
    expect(checkFormats(["ova", " QCOW2 ", "raw"]).formats).toEqual(["raw", "qcow2", "ova"]);
    expect(checkFormats([""]).problems).toHaveLength(1);
  });
  it("leaves an image's own network alone, adds DHCP when it has networkd only", () => {
    const e = (path: string): IndexEntry => ({ path, type: "file", mode: 0o644, uid: 0, gid: 0, size: 0, digest: "" });
    const unit = e("usr/lib/systemd/system/systemd-networkd.service");
    expect(networkMode([unit, e("etc/systemd/network/10-eth.network")])).toBe("image");
    expect(networkMode([unit])).toBe("kiln");
    expect(networkMode([e("etc/hosts")])).toBe("none");
  });
});
