// The pct simulator refuses what pct refuses, with pct's words and exit code 255 — checked before any
// LXC is touched, so this needs no root. Expected texts come from pve-common (PVE::JSONSchema,
// PVE::CLIHandler, PVE::Exception) and pve-container (PVE::API2::LXC); see scripts/pct-sim/*.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pctMain } from "../../../scripts/pct-sim/pct.js";
import { pvesmMain } from "../../../scripts/pct-sim/pvesm.js";

let root: string;
const env = () => ({ PCT_SIM_ROOT: root, PCT_SIM_NODE: "pve-sim", PATH: process.env.PATH });

/** Runs the simulator in-process, capturing its output. */
async function sim(main: typeof pctMain, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) }, env());
  return { code, out, err };
}
const pct = (...argv: string[]) => sim(pctMain, ...argv);

const TPL = "local:vztmpl/debian-x_1_amd64.tar.zst";
const OK = ["--unprivileged", "0", "--hostname", "cam1", "--net0", "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=10.0.0.11/24,gw=10.0.0.1"];
const USAGE = "pct create <vmid> <ostemplate> [OPTIONS]\n";

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "kiln-pct-sim-"));
  await mkdir(join(root, "etc/pve/lxc"), { recursive: true });
  await writeFile(join(root, "etc/pve/storage.cfg"), "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup,rootdir\n\ndir: tpl\n\tpath /srv/tpl\n\tcontent vztmpl\n");
  await writeFile(join(root, "etc/pve/lxc/101.conf"), "arch: amd64\nhostname: taken\nrootfs: local:101/subvol-101-disk-0,size=4G\n");
  await writeFile(join(root, "etc/pve/lxc/102.conf"), "hostname: busy\nlock: mounted\nrootfs: local:102/subvol-102-disk-0,size=4G\n");
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("pct simulator refuses like pct (exit 255)", () => {
  const table: Array<[string, string[], string]> = [
    ["an unknown option", ["create", "150", TPL, ...OK, "--bogus", "1"], `Unknown option: bogus\n400 unable to parse option\n${USAGE}`],
    ["a vmid below 100", ["create", "99", TPL, ...OK], `400 Parameter verification failed.\nvmid: invalid format - value does not look like a valid VM ID\n\n${USAGE}`],
    ["a vmid that is no number", ["create", "abc", TPL, ...OK], "vmid: type check ('integer') failed - got 'abc'\n"],
    ["a missing template argument", ["create", "150", ...OK], `400 not enough arguments\n${USAGE}`],
    ["an extra argument", ["create", "150", TPL, "extra", ...OK], `400 too many arguments\n${USAGE}`],
    ["a bad MAC in net0", ["create", "150", TPL, ...OK, "--net0", "name=eth0,hwaddr=01:00:00:00:00:01"], "net0: invalid format - format error\nnet0.hwaddr: invalid format - value does not look like a valid unicast MAC address\n"],
    ["net0 without a name", ["create", "150", TPL, ...OK, "--net0", "bridge=vmbr0"], "net0.name: property is missing and it is not optional\n"],
    ["an unknown key in net0", ["create", "150", TPL, ...OK, "--net0", "name=eth0,colour=blue"], "net0: invalid format - invalid key in comma-separated list property: colour\n"],
    ["a bad CIDR in net0", ["create", "150", TPL, ...OK, "--net0", "name=eth0,ip=10.0.0.300/24"], "net0.ip: invalid format - value does not look like a valid ipv4 network configuration\n"],
    ["too little memory", ["create", "150", TPL, ...OK, "--memory", "8"], "memory: value must have a minimum value of 16\n"],
    ["a hostname that is no DNS name", ["create", "150", TPL, ...OK, "--hostname", "cam_1"], "hostname: invalid format - value does not look like a valid DNS name\n"],
    ["a boolean that is not one", ["create", "150", TPL, ...OK, "--start", "maybe"], `400 unable to parse boolean option\n${USAGE}`],
    ["an option without its value", ["create", "150", TPL, ...OK, "--memory"], "Option memory requires an argument\n400 unable to parse option\n"],
    ["a vmid in use", ["create", "101", TPL, ...OK], "CT 101 already exists on node 'pve-sim'\n"],
    ["an unknown storage", ["create", "150", "nope:vztmpl/x.tar.zst", ...OK], "storage 'nope' does not exist\n"],
    ["a template volume of another content type", ["create", "150", "local:iso/x.iso", ...OK], "unable to use volume local:iso/x.iso - content type needs to be 'vztmpl'\n"],
    ["a template that is not in a storage", ["create", "150", "x.tar.zst", ...OK], "unable to parse volume ID 'x.tar.zst'\n"],
    ["a root storage without container dirs", ["create", "150", TPL, ...OK, "--rootfs", "tpl:8"], "storage: storage 'tpl' does not support container directories\n"],
    ["a template volume that does not exist", ["create", "150", TPL, ...OK], "unable to create CT 150 - volume 'local:vztmpl/debian-x_1_amd64.tar.zst' does not exist\n"],
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
    const r = await sim(pvesmMain, "path", TPL);
    expect(r).toEqual({ code: 0, out: `${root}/var/lib/vz/template/cache/debian-x_1_amd64.tar.zst\n`, err: "" });
  });

  it("refuses unknown storages and volume names it cannot parse", async () => {
    expect(await sim(pvesmMain, "path", "nope:vztmpl/x.tar.zst")).toMatchObject({ code: 255, err: "storage 'nope' does not exist\n" });
    expect(await sim(pvesmMain, "path", "local:weird/x")).toMatchObject({ code: 255, err: "unable to parse directory volume name 'weird/x'\n" });
  });
});
