// The proxmox driver against the pct simulator, run in-process (pct, pvesm, pveversion) with every other
// command real: the preflight's refusals (login, version, root storage), the refused create of a node whose
// data directory is missing, and stale locks cleared only when kiln's journal says they are kiln's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pctMain } from "../../../pct-sim/pct.js";
import { pvesmMain } from "../../../pct-sim/pvesm.js";
import { pveversionMain } from "../../../pct-sim/pveversion.js";
import { proxmoxDriver } from "../../../../src/deploy/drivers/proxmox.js";
import { parsePveVersions, parseStorageIds, pveFacts, versionAtLeast } from "../../../../src/deploy/drivers/pve-preflight.js";
import { parseIpLinks } from "../../../../src/deploy/drivers/host-links.js";
import type { HostInventory, NodeInventory, Transport } from "../../../../src/deploy/types.js";
import { ToolError } from "../../../../src/errors.js";
import { run } from "../../../../src/exec/run.js";

let root: string;
const SIMS = { pct: pctMain, pvesm: pvesmMain, pveversion: pveversionMain } as const;

/** The simulated node as a Transport; `login` other than root runs every command as that uid (setpriv). */
function simHost(o: { readonly versions?: string; readonly uid?: number } = {}): Transport {
  const env = { PCT_SIM_ROOT: root, PCT_SIM_NODE: "pve-sim", PATH: process.env.PATH, ...(o.versions ? { PCT_SIM_VERSIONS: o.versions } : {}) };
  return {
    describe: "pve-sim",
    run: async (argv, opts) => {
      const [cmd, ...rest] = argv;
      const main = SIMS[cmd as keyof typeof SIMS];
      if (!main) return run(o.uid ? ["setpriv", `--reuid=${o.uid}`, `--regid=${o.uid}`, "--clear-groups", ...argv] : argv, opts);
      let stdout = "";
      let stderr = "";
      const exitCode = await main(rest, { out: (t) => void (stdout += t), err: (t) => void (stderr += t) }, env, o.uid ?? 0);
      if (exitCode !== 0 && !opts?.allowFailure) throw new ToolError(`${argv.join(" ")}: exit ${exitCode}: ${stderr.trim()}`);
      return { exitCode, stdout, stderr };
    },
    copyTo: async () => undefined,
    close: async () => undefined,
  };
}

const host = (h: Partial<HostInventory> = {}): HostInventory => ({
  name: "pve",
  address: "root@pve",
  driver: "proxmox",
  storage: "local",
  rootStorage: "local-lvm",
  stateDir: join(root, "kiln"),
  parallel: 1,
  ...h,
});
const image = `sha256:${"ab".repeat(32)}`;
const conf = (vmid: number, lock: string) =>
  `#kiln-creating=${image.replace(":", "%3A")} kiln-node=n1\nhostname: n1\nlock: ${lock}\nrootfs: local-lvm:vm-${vmid}-disk-0,size=1G\n`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "kiln-pve-driver-"));
  await mkdir(join(root, "etc/pve/lxc"), { recursive: true });
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("proxmox driver preflight", () => {
  it("reports every node whose bridge the node lacks, at once, before any pct command changes anything", async () => {
    const d = proxmoxDriver({ transport: simHost(), host: host() });
    const n = (name: string, bridge: string): NodeInventory =>
      ({
        name,
        host: "pve",
        slots: [190, 191],
        hostname: name,
        cores: 1,
        memory: 256,
        disk: 1,
        network: { bridge, ip: "dhcp", mac: "02:00:00:00:00:01" },
        mounts: [],
      }) satisfies NodeInventory;
    // lo exists but is no bridge: pct start would fail on it as on a missing one.
    const problems = await d.preflight?.([n("n1", "lo"), n("n2", "kilnbrnone")].map((node) => ({ node, freeSlots: [190] })));
    expect(problems?.map((p) => p.key)).toEqual(["nodes.n1.network.bridge", "nodes.n2.network.bridge"]);
    expect(problems?.[1]?.message).toBe('bridge "kilnbrnone" does not exist on host pve (pve-sim); create it or name an existing one');
    expect(existsSync(join(root, "etc/pve/lxc/190.conf"))).toBe(false);
  });

  it("reads each link's name and kind from `ip -j -d link show`", () => {
    const json = JSON.stringify([
      { ifname: "lo" },
      { ifname: "vmbr0", linkinfo: { info_kind: "bridge" } },
      { ifname: "vmbr1", linkinfo: { info_kind: "openvswitch" } },
      { ifname: "veth190i0", linkinfo: { info_kind: "veth" } },
      { linkinfo: { info_kind: "bridge" } },
    ]);
    expect(parseIpLinks(json)).toEqual([
      { name: "lo", kind: "" },
      { name: "vmbr0", kind: "bridge" },
      { name: "vmbr1", kind: "openvswitch" },
      { name: "veth190i0", kind: "veth" },
    ]);
  });

  it.skipIf(process.geteuid?.() !== 0)("refuses a login that is not root, naming the address key and what to do", async () => {
    const d = proxmoxDriver({ transport: simHost({ uid: 65534 }), host: host() });
    await expect(d.slotState(101)).rejects.toThrow(/hosts\.pve\.address: kiln logs in as uid "65534" .*please run as root[\s\S]*address = "root@HOST"/);
  });

  it("refuses Proxmox VE 7 and names the supported versions", async () => {
    const d = proxmoxDriver({ transport: simHost({ versions: "pve-manager=7.4.3,pve-container=4.4.6" }), host: host() });
    await expect(d.slotState(101)).rejects.toThrow(/hosts\.pve\.driver: Proxmox VE "7\.4\.3" is not supported; kiln supports Proxmox VE 8\.x and 9\.x/);
  });

  it("refuses a root storage without content rootdir (a stock 'local') and lists those that have it", async () => {
    const d = proxmoxDriver({ transport: simHost(), host: host({ rootStorage: "local" }) });
    await expect(d.slotState(101)).rejects.toThrow(
      /hosts\.pve\.root_storage: storage "local" cannot hold container root volumes on pve-sim \(storages with content rootdir here: local-lvm\)/,
    );
  });

  it("reads pveversion -v and knows which pct has --keep-env", () => {
    const v = parsePveVersions(
      "proxmox-ve: 8.1.0 (running kernel: 6.5.11-4-pve)\npve-manager: 8.1.3 (running version: 8.1.3/b46aac3b42da5d15)\npve-container: 5.0.8\n",
    );
    expect(pveFacts(v)).toEqual({ manager: "8.1.3", keepEnv: false, plainTar: false, oci: false });
    expect(
      pveFacts(
        new Map([
          ["pve-manager", "9.0.3"],
          ["pve-container", "6.0.9"],
          ["libpve-storage-perl", "9.0.15"],
        ]),
      ),
    ).toEqual({ manager: "9.0.3", keepEnv: true, plainTar: true, oci: false });
    // OCI archives: pve-container 6.0.15 detects them, and the storage must take a plain .tar (both in 9.1).
    const v91 = new Map([
      ["pve-manager", "9.1.1"],
      ["pve-container", "6.0.15"],
      ["libpve-storage-perl", "9.0.15"],
    ]);
    expect(pveFacts(v91)).toMatchObject({ oci: true });
    expect(pveFacts(new Map([...v91, ["libpve-storage-perl", "9.0.14"]]))).toMatchObject({ oci: false });
    expect(versionAtLeast("5.0.10", "5.0.9")).toBe(true);
    expect(versionAtLeast("5.0.8-1", "5.0.9")).toBe(false);
  });

  it("takes only active storages from pvesm status", () => {
    const out =
      "Name             Type     Status           Total            Used       Available        %\nlocal-lvm     lvmthin     active       367558656        12345678       355212978    3.36%\nnas               nfs   inactive               0               0               0    0.00%\n";
    expect(parseStorageIds(out)).toEqual(["local-lvm"]);
  });
});

describe("proxmox driver templates", () => {
  it('refuses template_format = "oci" on a node before Proxmox VE 9.1 in the preflight, naming the key and what to do', async () => {
    const d = proxmoxDriver({ transport: simHost({ versions: "pve-manager=9.0.11,pve-container=6.0.13" }), host: host({ templateFormat: "oci" }) });
    const e = d.ensureTemplate({ image, file: "/store/debian-x_1_amd64.tar.zst", sha256: "0".repeat(64), store: "/store" });
    await expect(e).rejects.toThrow(
      /hosts\.pve\.template_format: "oci" needs Proxmox VE 9\.1 \(pve-container 6\.0\.15 and libpve-storage-perl 9\.0\.15 on\), but pve-sim runs pve-manager "9\.0\.11"/,
    );
    await expect(e).rejects.toThrow(/template_format = "vztmpl"/);
  });

  it("refuses a plain .tar template on a node whose storage code predates it, before copying anything", async () => {
    const d = proxmoxDriver({ transport: simHost({ versions: "pve-manager=8.4.1,pve-container=5.2.7,libpve-storage-perl=8.3.6" }), host: host() });
    await expect(d.ensureTemplate({ image, file: "/store/debian-x_1_amd64.tar", sha256: "0".repeat(64) })).rejects.toThrow(
      /debian-x_1_amd64\.tar is an uncompressed \.tar, which Proxmox VE takes only from libpve-storage-perl 9\.0\.15 \(PVE 9\) on/,
    );
  });
});

describe("proxmox driver create and destroy", () => {
  const node: NodeInventory = {
    name: "n1",
    host: "pve",
    slots: [101, 102],
    hostname: "n1",
    cores: 1,
    memory: 512,
    disk: 4,
    network: { bridge: "vmbr0", ip: "dhcp", mac: "02:00:00:00:00:01" },
    mounts: [],
  };

  it("refuses to create a node whose data directory is missing, before pct create", async () => {
    const d = proxmoxDriver({ transport: simHost(), host: host() });
    const missing = join(root, "no-data");
    await expect(d.create({ ...node, mounts: [{ host: missing, path: "/srv/data", readOnly: false }] }, 101, image)).rejects.toThrow(
      /nodes\.n1\.mount: host directory ".*no-data" does not exist on pve-sim; create it/,
    );
    expect(existsSync(join(root, "etc/pve/lxc/101.conf"))).toBe(false);
  });

  it("clears a create or mounted lock kiln left (journal-backed), and refuses any other", async () => {
    const d = proxmoxDriver({ transport: simHost(), host: host() });
    await writeFile(join(root, "etc/pve/lxc/103.conf"), conf(103, "create"));
    await expect(d.destroy(103)).rejects.toThrow(/CT 103 is locked \(create\) and kiln's journal does not show that kiln left it: .*pct unlock 103 yourself/);
    await d.destroy(103, { kilnLock: true });
    expect(existsSync(join(root, "etc/pve/lxc/103.conf"))).toBe(false);
    await writeFile(join(root, "etc/pve/lxc/104.conf"), conf(104, "mounted"));
    await d.destroy(104, { kilnLock: true });
    expect(existsSync(join(root, "etc/pve/lxc/104.conf"))).toBe(false);
    await writeFile(join(root, "etc/pve/lxc/105.conf"), conf(105, "backup"));
    await expect(d.destroy(105, { kilnLock: true })).rejects.toThrow(/locked \(backup\)/);
  });
});
