// The pct simulator refuses what pct refuses, with pct's words and exit code 255 — checked before any
// LXC is touched, so this needs no root. Expected texts come from pve-common (PVE::JSONSchema,
// PVE::CLIHandler, PVE::Exception) and pve-container (PVE::API2::LXC); see test/pct-sim/*.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pctMain } from "../../pct-sim/pct.js";
import { pvesmMain } from "../../pct-sim/pvesm.js";
import { pveversionMain } from "../../pct-sim/pveversion.js";
import { run } from "../../../src/exec/run.js";

let root: string;
const env = (versions?: string) => ({
  PCT_SIM_ROOT: root,
  PCT_SIM_NODE: "pve-sim",
  PATH: process.env.PATH,
  ...(versions ? { PCT_SIM_VERSIONS: versions } : {}),
});

/** Runs the simulator in-process, capturing its output; `as` plays another caller or node. */
async function sim(main: typeof pctMain, argv: string[], as: { uid?: number; versions?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) }, env(as.versions), as.uid ?? 0);
  return { code, out, err };
}
const pct = (...argv: string[]) => sim(pctMain, argv);

const TPL = "local:vztmpl/debian-x_1_amd64.tar.zst";
const OK = [
  "--unprivileged",
  "0",
  "--rootfs",
  "local-lvm:1",
  "--hostname",
  "cam1",
  "--net0",
  "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=10.0.0.11/24,gw=10.0.0.1",
];
const USAGE = "pct create <vmid> <ostemplate> [OPTIONS]\n";

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "kiln-pct-sim-"));
  await mkdir(join(root, "etc/pve/lxc"), { recursive: true });
  await writeFile(
    join(root, "etc/pve/storage.cfg"),
    "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nlvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n\ndir: tpl\n\tpath /srv/tpl\n\tcontent vztmpl\n",
  );
  await writeFile(join(root, "etc/pve/lxc/101.conf"), "arch: amd64\nhostname: taken\nrootfs: local:101/subvol-101-disk-0,size=4G\n");
  await writeFile(join(root, "etc/pve/lxc/102.conf"), "hostname: busy\nlock: mounted\nrootfs: local:102/subvol-102-disk-0,size=4G\n");
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("pct simulator refuses like pct (exit 255)", () => {
  const table: Array<[string, string[], string]> = [
    ["an unknown option", ["create", "150", TPL, ...OK, "--bogus", "1"], `Unknown option: bogus\n400 unable to parse option\n${USAGE}`],
    [
      "a vmid below 100",
      ["create", "99", TPL, ...OK],
      `400 Parameter verification failed.\nvmid: invalid format - value does not look like a valid VM ID\n\n${USAGE}`,
    ],
    ["a vmid that is no number", ["create", "abc", TPL, ...OK], "vmid: type check ('integer') failed - got 'abc'\n"],
    ["a missing template argument", ["create", "150", ...OK], `400 not enough arguments\n${USAGE}`],
    ["an extra argument", ["create", "150", TPL, "extra", ...OK], `400 too many arguments\n${USAGE}`],
    [
      "a bad MAC in net0",
      ["create", "150", TPL, ...OK, "--net0", "name=eth0,hwaddr=01:00:00:00:00:01"],
      "net0: invalid format - format error\nnet0.hwaddr: invalid format - value does not look like a valid unicast MAC address\n",
    ],
    ["net0 without a name", ["create", "150", TPL, ...OK, "--net0", "bridge=vmbr0"], "net0.name: property is missing and it is not optional\n"],
    [
      "an unknown key in net0",
      ["create", "150", TPL, ...OK, "--net0", "name=eth0,colour=blue"],
      "net0: invalid format - invalid key in comma-separated list property: colour\n",
    ],
    [
      "a bad CIDR in net0",
      ["create", "150", TPL, ...OK, "--net0", "name=eth0,ip=10.0.0.300/24"],
      "net0.ip: invalid format - value does not look like a valid ipv4 network configuration\n",
    ],
    ["too little memory", ["create", "150", TPL, ...OK, "--memory", "8"], "memory: value must have a minimum value of 16\n"],
    [
      "a hostname that is no DNS name",
      ["create", "150", TPL, ...OK, "--hostname", "cam_1"],
      "hostname: invalid format - value does not look like a valid DNS name\n",
    ],
    ["a boolean that is not one", ["create", "150", TPL, ...OK, "--start", "maybe"], `400 unable to parse boolean option\n${USAGE}`],
    ["an option without its value", ["create", "150", TPL, ...OK, "--memory"], "Option memory requires an argument\n400 unable to parse option\n"],
    ["a vmid in use", ["create", "101", TPL, ...OK], "CT 101 already exists on node 'pve-sim'\n"],
    ["an unknown storage", ["create", "150", "nope:vztmpl/x.tar.zst", ...OK], "storage 'nope' does not exist\n"],
    [
      "a template volume of another content type",
      ["create", "150", "local:iso/x.iso", ...OK],
      "unable to use volume local:iso/x.iso - content type needs to be 'vztmpl'\n",
    ],
    ["a template that is not in a storage", ["create", "150", "x.tar.zst", ...OK], "unable to parse volume ID 'x.tar.zst'\n"],
    [
      "a root storage without container dirs",
      ["create", "150", TPL, ...OK, "--rootfs", "tpl:8"],
      "storage: storage 'tpl' does not support container directories\n",
    ],
    [
      "a template volume that does not exist",
      ["create", "150", TPL, ...OK],
      "unable to create CT 150 - volume 'local:vztmpl/debian-x_1_amd64.tar.zst' does not exist\n",
    ],
    ["an unknown command", ["frobnicate", "101"], "ERROR: unknown command 'pct frobnicate'\nUSAGE: pct <COMMAND> [ARGS] [OPTIONS]\n"],
    ["a CT that does not exist", ["status", "555"], "Configuration file 'nodes/pve-sim/lxc/555.conf' does not exist\n"],
    ["destroying a locked CT", ["destroy", "102"], "CT is locked (mounted)\n"],
    ["mounting a locked CT", ["mount", "102"], "CT is locked (mounted)\n"],
    ["exec without a vmid", ["exec"], "400 not enough arguments\npct exec <vmid> [<extra-args>] [OPTIONS]\n"],
    ["exec with an option after the command (no --)", ["exec", "101", "ls", "-l"], "Unknown option: l\n"],
  ];
  for (const [what, argv, want] of table) {
    it(`refuses ${what}`, async () => {
      const r = await pct(...argv);
      expect(r.code).toBe(255);
      expect(r.err).toContain(want);
    });
  }

  it("accepts unique option prefixes as Getopt::Long does (--host for --hostname)", async () => {
    const r = await pct("create", "101", TPL, "--unprivileged", "0", "--host", "cam1");
    expect(r.err).toBe("CT 101 already exists on node 'pve-sim'\n");
  });

  it("names options that are valid pct syntax but not simulated, and the unprivileged default", async () => {
    expect((await pct("create", "150", TPL, ...OK, "--password", "x")).err).toMatch(/^pct-sim: --password is valid pct syntax/);
    expect((await pct("create", "150", TPL, "--hostname", "cam1")).err).toMatch(/unprivileged containers .* are not simulated/);
  });

  it("leaves nothing behind after a refused or failed create", async () => {
    await pct("create", "150", TPL, ...OK);
    expect((await pct("status", "150")).code).toBe(255);
  });

  it("prints the config sorted, description encoded as pct does", async () => {
    await writeFile(join(root, "etc/pve/lxc/103.conf"), "#kiln-image=sha256%3Aab\nmemory: 512\narch: amd64\n");
    const r = await pct("config", "103");
    expect(r).toMatchObject({ code: 0, out: "arch: amd64\ndescription: kiln-image=sha256%3Aab\nmemory: 512\n" });
  });
});

describe("pvesm path", () => {
  it("prints where a template volume lives, under the simulated root", async () => {
    const r = await sim(pvesmMain, ["path", TPL]);
    expect(r).toEqual({ code: 0, out: `${root}/var/lib/vz/template/cache/debian-x_1_amd64.tar.zst\n`, err: "" });
  });

  it("refuses unknown storages and volume names it cannot parse", async () => {
    expect(await sim(pvesmMain, ["path", "nope:vztmpl/x.tar.zst"])).toMatchObject({ code: 255, err: "storage 'nope' does not exist\n" });
    expect(await sim(pvesmMain, ["path", "local:weird/x"])).toMatchObject({ code: 255, err: "unable to parse directory volume name 'weird/x'\n" });
  });
});

describe("Proxmox host set-up the simulator holds kiln to (issue #12)", () => {
  it("runs pct and pvesm only as root", async () => {
    expect(await sim(pctMain, ["status", "101"], { uid: 1000 })).toMatchObject({ code: 255, err: "please run as root\n" });
    expect(await sim(pvesmMain, ["status"], { uid: 1000 })).toMatchObject({ code: 255, err: "please run as root\n" });
  });

  it("puts no root volume on a stock 'local' (iso,vztmpl,backup), also not by default", async () => {
    const want = "storage: storage 'local' does not support container directories\n";
    expect((await pct("create", "150", TPL, ...OK, "--rootfs", "local:8")).err).toContain(want);
    const noRootfs = OK.filter((a, i) => a !== "--rootfs" && OK[i - 1] !== "--rootfs");
    expect((await pct("create", "150", TPL, ...noRootfs)).err).toContain(want);
    const r = await sim(pvesmMain, ["status", "--content", "rootdir"]);
    expect(
      r.out
        .split("\n")
        .slice(1)
        .map((l) => l.split(/\s+/)[0])
        .filter(Boolean),
    ).toEqual(["local-lvm"]);
  });

  it("fails a create whose bind-mounted host directory is missing (mounted before unpacking)", async () => {
    const r = await pct("create", "150", TPL, ...OK, "--mp0", `${root}/no-such-dir,mp=/srv/data`);
    expect(r).toMatchObject({ code: 255, err: `unable to create CT 150 - directory '${root}/no-such-dir' does not exist\n` });
    expect(existsSync(join(root, "etc/pve/lxc/150.conf"))).toBe(false);
  });

  /** A template volume with `files` (path → content) in the sim's local storage. */
  async function template(name: string, files: Record<string, string | Buffer>): Promise<string> {
    const src = join(root, `src-${name}`);
    for (const [p, c] of Object.entries(files)) {
      await mkdir(join(src, p, ".."), { recursive: true });
      await writeFile(join(src, p), c);
    }
    await mkdir(join(root, "var/lib/vz/template/cache"), { recursive: true });
    await run(["tar", "-c", "-z", "-f", join(root, "var/lib/vz/template/cache", name), "-C", src, "."]);
    return `local:vztmpl/${name}`;
  }

  it.skipIf(process.geteuid?.() !== 0)("unpacks template files under a mount path into the host directory, as pct create does", async () => {
    const tpl = await template("debian-mp_1_amd64.tar.gz", { "etc/os-release": "ID=debian\n", "srv/data/seed.txt": "from the template\n" });
    const data = join(root, "data-152");
    await mkdir(data);
    const r = await pct("create", "152", tpl, ...OK, "--mp0", `${data},mp=/srv/data`);
    expect(r.code, r.err).toBe(0);
    expect(await readFile(join(data, "seed.txt"), "utf8")).toBe("from the template\n");
    await pct("destroy", "152");
  });

  it("fails a create whose template does not fit the root volume", async () => {
    const tpl = await template("debian-big_1_amd64.tar.gz", { "etc/os-release": "ID=debian\n", "big.bin": Buffer.alloc(3 << 20, 1) });
    const r = await pct("create", "153", tpl, ...OK, "--rootfs", "local-lvm:0.002");
    expect(r).toMatchObject({
      code: 255,
      err: "unable to create CT 153 - tar: Cannot write: No space left on device\ntar: Exiting with failure status due to previous errors\n",
    });
    expect(existsSync(join(root, "etc/pve/lxc/153.conf"))).toBe(false);
  });

  it("knows --keep-env only from pve-container 5.0.9 on", async () => {
    const old = await sim(pctMain, ["exec", "101", "--keep-env", "0", "--", "true"], { versions: "pve-container=5.0.8" });
    expect(old).toMatchObject({ code: 255, err: "Unknown option: keep-env\n400 unable to parse option\npct exec <vmid> [<extra-args>]\n" });
    expect((await pct("exec", "101", "--keep-env", "0", "--", "true")).err).toBe("container '101' not running!\n");
  });

  it("accepts plain .tar templates only from libpve-storage-perl 9.0.15 on", async () => {
    const vol = "local:vztmpl/debian-x_1_amd64.tar";
    expect(await sim(pvesmMain, ["path", vol], { versions: "libpve-storage-perl=8.3.3" })).toMatchObject({
      code: 255,
      err: "unable to parse directory volume name 'vztmpl/debian-x_1_amd64.tar'\n",
    });
    expect((await sim(pvesmMain, ["path", vol])).code).toBe(0);
  });

  it("refuses an OCI image archive (tar -tf lists oci-layout, index.json, blobs/) before pve-container 6.0.15, writing nothing", async () => {
    const cache = join(root, "var/lib/vz/template/cache");
    await mkdir(join(cache, "oci/blobs/sha256"), { recursive: true });
    await writeFile(join(cache, "oci/oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(cache, "oci/index.json"), '{"schemaVersion":2,"manifests":[]}');
    await run(["tar", "-cf", join(cache, "img.tar"), "-C", join(cache, "oci"), "oci-layout", "index.json", "blobs"]);
    const r = await sim(pctMain, ["create", "160", "local:vztmpl/img.tar", ...OK], { versions: "pve-container=6.0.14,libpve-storage-perl=9.0.15" });
    expect(r).toMatchObject({
      code: 255,
      err: "pct-sim: 'local:vztmpl/img.tar' is an OCI image archive, which pct create reads only from pve-container 6.0.15 (Proxmox VE 9.1; this node: pve-container 6.0.14)\n",
    });
    expect(existsSync(join(root, "etc/pve/lxc/160.conf"))).toBe(false);
  });

  it("reports its versions as pveversion -v does", async () => {
    const r = await sim(pveversionMain, ["-v"], { versions: "pve-manager=8.1.4,pve-container=5.0.8" });
    expect(r.out).toContain("pve-manager: 8.1.4 (running version: 8.1.4/");
    expect(r.out).toContain("pve-container: 5.0.8\n");
  });

  it("clears a lock with pct unlock, after which destroy is allowed again", async () => {
    await writeFile(join(root, "etc/pve/lxc/104.conf"), "hostname: stale\nlock: create\nrootfs: local-lvm:vm-104-disk-0,size=1G\n");
    expect((await pct("destroy", "104")).err).toBe("CT is locked (create)\n");
    expect((await pct("unlock", "104")).code).toBe(0);
    expect((await pct("config", "104")).out).not.toContain("lock:");
    expect((await pct("destroy", "104")).code).toBe(0);
  });
});
