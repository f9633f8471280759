// `kiln vm` end to end on a real bootable rootfs (mmdebstrap bookworm minbase + kernel, systemd-boot, udev,
// python3 and the fixture device simulator as a systemd unit), packed into a temp store: the disk and its
// formats (GPT, ESP, ext4 checked with the real tools), the OVA's structure (OVF first, valid XML, consistent
// references, VirtualBox's and VMware's sections, a streamOptimized VMDK qemu-img reads), the BIOS fallback
// (GPT bit 2, gptmbr.bin, syslinux), the boot test — once, on SeaBIOS through that fallback and on the
// hardware VirtualBox gives the OVA (AHCI disk, e1000 NIC); the nightly boots OVMF + virtio — to multi-user,
// then ?watchdog through the forwarded port, reproducibility (a second build, sha256 per format against the
// claims in vm.json), and bad input refused with exit 2 before anything is written.
// Needs root, mmdebstrap, the Debian mirror, e2fsprogs, dosfstools, mtools, syslinux, fdisk, qemu, seabios,
// libxml2-utils.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { memorySource } from "../../src/archive/index.js";
import { run } from "../../src/exec/run.js";
import { main } from "../../src/main.js";
import { addImage, packDirectory } from "../../src/store/index.js";
import { sha256File } from "../../src/util/hash.js";
import { REPRODUCIBILITY } from "../../src/vm/index.js";
import type { VmResult } from "../../src/vm/index.js";
import { GPTMBR } from "../../src/vm/bios.js";
import { findAll, parseXml, type XmlElement } from "../unit/vm/mini-xml.js";

const repo = resolve(__dirname, "../..");
let tmp: string;
let store: string;
let image: string;
/** The first build (with the boot test), shared by the tests that inspect it. */
let first: VmResult;
let out1: string;

/** Runs the kiln CLI in-process; returns the exit code and what it printed on stdout. */
async function kiln(...args: string[]): Promise<{ code: number; stdout: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string | Uint8Array) => {
    chunks.push(typeof c === "string" ? c : Buffer.from(c).toString("utf8"));
    return true;
  }) as typeof process.stdout.write;
  try {
    const code = await main(["--store", store, ...args]);
    process.exitCode = undefined;
    return { code, stdout: chunks.join("") };
  } finally {
    process.stdout.write = write;
  }
}

/** Runs kiln vm with --json and parses the result, expecting exit code `code`. */
async function vmJson(code: number, ...args: string[]): Promise<VmResult> {
  const r = await kiln("vm", ...args, "--json");
  expect(r.code).toBe(code);
  return JSON.parse(r.stdout) as VmResult;
}

/** The output of format `f` in a result. */
function output(r: VmResult, f: string): { path: string; sha256: string; size: number } {
  const o = r.outputs.find((x) => x.format === f);
  if (!o) throw new Error(`no ${f} output`);
  return o;
}

/** Builds the bootable rootfs once and packs it into the temp store. */
async function bootableImage(): Promise<string> {
  const rootfs = join(tmp, "rootfs");
  const include = "--include=systemd-sysv,linux-image-amd64,systemd-boot,udev,python3,ifupdown";
  await run(["mmdebstrap", "--quiet", "--variant=minbase", include, "bookworm", rootfs, "/etc/apt/sources.list.d/debian.sources"], { timeoutMs: 900_000 });
  // The device simulator from the fixtures, run by its own unit (User=nobody, port 7147 on all addresses).
  await mkdir(join(rootfs, "opt/devsim"), { recursive: true });
  await copyFile(join(repo, "fixtures/git/devsim/devsim.py"), join(rootfs, "opt/devsim/devsim.py"));
  await copyFile(join(repo, "fixtures/git/devsim/devsim.service"), join(rootfs, "etc/systemd/system/devsim.service"));
  await run(["systemctl", `--root=${rootfs}`, "enable", "devsim.service"]);
  // What a bake's normalize stage does: no host identity in an image.
  for (const n of await readdir(join(rootfs, "etc/ssh")).catch(() => [])) if (n.startsWith("ssh_host_")) await rm(join(rootfs, "etc/ssh", n));
  if (existsSync(join(rootfs, "etc/machine-id"))) await truncate(join(rootfs, "etc/machine-id"));
  const r = await packDirectory(store, { dir: rootfs, name: "toy-kat", version: "1.0.0", epoch: 1_700_000_000 });
  await rm(rootfs, { recursive: true, force: true });
  return r.manifest.image;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-vm-it-"));
  store = join(tmp, "store");
  image = await bootableImage();
  out1 = join(tmp, "out1");
  first = await vmJson(
    0,
    image.slice(7, 19),
    "--formats",
    "raw,qcow2,vmdk,ova",
    "--out",
    out1,
    "--boot-test",
    "--boot-hw",
    "ahci",
    "--boot-firmware",
    "bios",
    "--boot-timeout",
    "600",
  );
}, 1_800_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("kiln vm on a bootable image", () => {
  it("writes every format and vm.json, with sizes and digests that match the files", async () => {
    expect(first.image).toBe(image);
    expect(first.outputs.map((o) => o.format)).toEqual(["raw", "qcow2", "vmdk", "ova"]);
    for (const o of first.outputs) expect(await sha256File(o.path), o.format).toBe(o.sha256);
    const names = (await readdir(out1)).sort();
    expect(names).toEqual(expect.arrayContaining(["vm.json", "boot-test.json"]));
    expect(names.filter((n) => n.startsWith("."))).toEqual([]); // no staging left behind
    const record = JSON.parse(await readFile(join(out1, "vm.json"), "utf8"));
    expect(record.outputs.map((o: { sha256: string }) => o.sha256)).toEqual(first.outputs.map((o) => o.sha256));
    expect(Object.keys(record.tools)).toEqual(expect.arrayContaining(["e2fsprogs", "qemu-img", "mtools"]));
    expect(first.timings).toMatchObject({ extract: expect.any(Number), disk: expect.any(Number), vmdk: expect.any(Number) });
  });

  it("boots SeaBIOS → gptmbr → syslinux on AHCI + e1000 to multi-user, and the simulator answers ?watchdog through the forwarded port", async () => {
    const b = first.bootTest;
    expect(b?.error).toBeUndefined();
    expect(b).toMatchObject({ ok: true, stage: "watchdog", hw: "ahci", firmware: "bios" });
    const log = await readFile(b?.log as string, "utf8");
    expect(log).toMatch(/SYSLINUX \d/);
    expect(log).toMatch(/Linux version/);
    expect(log).not.toMatch(/BdsDxe|EFI stub/);
    expect(log).toMatch(/Started .*devsim/);
    // The boot wrote to a throwaway overlay: the qcow2 is still the bytes vm.json recorded.
    expect(await sha256File(output(first, "qcow2").path)).toBe(output(first, "qcow2").sha256);
    console.info(`boot test: ${b?.seconds}s under ${b?.accel}; timings ${JSON.stringify(first.timings)}`);
  });

  it("has a GPT with the derived GUIDs, an ESP with systemd-boot and the entry, and a clean ext4 root", async () => {
    const raw = output(first, "raw").path;
    const record = JSON.parse(await readFile(join(out1, "vm.json"), "utf8"));
    const table = JSON.parse((await run(["sfdisk", "--json", raw])).stdout).partitiontable;
    expect(table.id.toLowerCase()).toBe(record.disk.ids.diskGuid);
    expect(table.partitions.map((p: { uuid: string }) => p.uuid.toLowerCase())).toEqual([record.disk.ids.espPartUuid, record.disk.ids.rootPartUuid]);
    const esp = `${raw}@@${record.disk.layout.esp.start * 512}`;
    const env = { MTOOLS_SKIP_CHECK: "1" };
    const entry = (await run(["mtype", "-i", esp, "::/loader/entries/kiln.conf"], { env })).stdout;
    expect(entry).toContain(`root=PARTUUID=${record.disk.ids.rootPartUuid}`);
    expect(entry).toContain("console=ttyS0,115200");
    expect((await run(["mdir", "-b", "-i", esp, "::/EFI/BOOT"], { env })).stdout).toMatch(/BOOTX64\.EFI/);
    const root = `${raw}?offset=${record.disk.layout.root.start * 512}`;
    // The BIOS fallback: ESP legacy-bootable, gptmbr.bin as the MBR's boot code, syslinux with the entry's command line.
    expect(table.partitions[0].attrs).toBe("LegacyBIOSBootable");
    expect(table.partitions[1].attrs).toBeUndefined();
    const mbr = (await readFile(raw)).subarray(0, 512);
    expect(mbr.subarray(0, 440).equals(await readFile(GPTMBR))).toBe(true);
    expect(mbr.readUInt16LE(510)).toBe(0xaa55);
    expect((await run(["mdir", "-a", "-b", "-i", esp, "::/syslinux"], { env })).stdout).toMatch(/LDLINUX\.SYS|ldlinux\.sys/i);
    const cfg = (await run(["mtype", "-i", esp, "::/syslinux/syslinux.cfg"], { env })).stdout;
    expect(/^\s*APPEND (.*)$/m.exec(cfg)?.[1]).toBe(/^options (.*)$/m.exec(entry)?.[1]);
    await run(["e2fsck", "-fn", root]);
    expect((await run(["debugfs", "-R", "cat /etc/fstab", root])).stdout).toContain(`UUID=${record.disk.ids.rootFsUuid}\t/\text4`);
  });

  it("makes an OVA VirtualBox can import: OVF first, valid XML, consistent references, a streamOptimized VMDK", async () => {
    const ova = output(first, "ova").path;
    const members = (await run(["tar", "-tf", ova])).stdout.trim().split("\n");
    expect(members).toHaveLength(3);
    expect(members[0]).toMatch(/\.ovf$/);
    expect(members[1]).toMatch(/\.mf$/);
    expect(members[2]).toMatch(/\.vmdk$/);
    const x = join(tmp, "ova");
    await mkdir(x);
    await run(["tar", "-xf", ova, "-C", x]);
    const ovfFile = join(x, members[0] as string);
    await run(["xmllint", "--noout", ovfFile]);
    const ovf = await readFile(ovfFile, "utf8");
    const vmdk = join(x, members[2] as string);
    expect(ovf).toContain(`ovf:href="${members[2]}" ovf:size="${(await readFile(vmdk)).length}"`);
    expect(ovf).toContain(`ovf:capacity="${first.diskBytes}"`);
    const mf = await readFile(join(x, members[1] as string), "utf8");
    expect(mf).toBe(`SHA256(${members[0]})= ${await sha256File(ovfFile)}\nSHA256(${members[2]})= ${await sha256File(vmdk)}\n`);
    // What VirtualBox and VMware need: both families, EFI for each, the machine's disk tied to the OVF Disk.
    const doc = parseXml(ovf);
    expect(findAll(doc, "vssd:VirtualSystemType")[0]?.text).toMatch(/\bvmx-\d+\b.*\bvirtualbox-2\.2\b/);
    expect(findAll(doc, "vmw:Config")[0]?.attrs).toMatchObject({ "vmw:key": "firmware", "vmw:value": "efi" });
    const machine = findAll(doc, "vbox:Machine")[0] as XmlElement;
    expect(findAll(machine, "Firmware")[0]?.attrs.type).toBe("EFI");
    expect(findAll(machine, "Port")).toHaveLength(1);
    const record = JSON.parse(await readFile(join(out1, "vm.json"), "utf8"));
    expect(machine.attrs.uuid).toBe(`{${record.disk.ids.vboxMachineUuid}}`);
    expect(findAll(doc, "Disk")[0]?.attrs["vbox:uuid"]).toBe(record.disk.ids.vboxDiskUuid);
    expect(findAll(machine, "Image")[0]?.attrs.uuid).toBe(`{${record.disk.ids.vboxDiskUuid}}`);
    const info = JSON.parse((await run(["qemu-img", "info", "--output=json", vmdk])).stdout);
    expect(info["format-specific"].data["create-type"]).toBe("streamOptimized");
    expect(info["virtual-size"]).toBe(first.diskBytes);
    // The VMDK in the OVA is the VMDK output, and both hold exactly the raw disk.
    expect(await sha256File(vmdk)).toBe(output(first, "vmdk").sha256);
    await run(["qemu-img", "compare", "-f", "raw", "-F", "vmdk", output(first, "raw").path, vmdk]);
    await run(["qemu-img", "compare", "-f", "raw", "-F", "qcow2", output(first, "raw").path, output(first, "qcow2").path]);
  });

  it("gives the same bytes on a second build, as vm.json claims", async () => {
    const out2 = join(tmp, "out2");
    const second = await vmJson(0, image, "--formats", "raw,qcow2,vmdk,ova", "--out", out2);
    for (const o of second.outputs) {
      const same = o.sha256 === output(first, o.format).sha256;
      expect(same, `${o.format}: ${REPRODUCIBILITY[o.format].why}`).toBe(REPRODUCIBILITY[o.format].reproducible);
    }
    expect(await readFile(join(out2, "vm.json"), "utf8")).toBe(await readFile(join(out1, "vm.json"), "utf8"));
  }, 900_000);
});

describe("bad input", () => {
  it("refuses an image without a kernel or boot loader with exit 2, writing nothing", async () => {
    const bare = await addImage(store, {
      source: memorySource([
        { path: "", type: "dir" },
        { path: "etc", type: "dir" },
        { path: "etc/os-release", content: "ID=debian\n" },
      ]),
      compression: { kind: "gzip" },
      meta: {
        name: "bare",
        version: "1.0.0",
        arch: "amd64",
        ostype: "debian",
        origin: "pack",
        inputs: null,
        recipe: null,
        lockSha256: null,
        debs: [],
        python: [],
        checkouts: [],
        verify: null,
        sourceDateEpoch: 1_700_000_000,
      },
    });
    const out = join(tmp, "bad-out");
    const r = await kiln("vm", bare.manifest.image, "--out", out);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses an unknown format and a size too small for the tree with exit 2, writing nothing", async () => {
    const out = join(tmp, "bad-out-2");
    expect((await kiln("vm", image, "--formats", "qcow2,vdi", "--out", out)).code).toBe(2);
    expect((await kiln("vm", image, "--size", "300M", "--out", out)).code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
