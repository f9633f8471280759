// The host side of the deployer on real tools: a real bookworm rootfs with systemd (mmdebstrap), packed
// into a temp store; an sshd on loopback; the SSH transport with the host key pinned; then the lxc driver
// and the proxmox driver (through the pct simulator, on real LXC) each: template copied once and checked
// on the host, a slot created, started, systemd up, exec, data mount, fixed MAC, the node's saved SSH host
// key served by the container's sshd, a second slot taking over with the same identity, stop, destroy.
// Needs root, LXC, mmdebstrap and the Debian mirror. Cleans up containers, bridge, sshd and temp dirs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { run } from "../../src/exec/run.js";
import { packDirectory } from "../../src/store/index.js";
import { lxcDriver } from "../../src/deploy/drivers/lxc.js";
import { proxmoxDriver } from "../../src/deploy/drivers/proxmox.js";
import { sshTransport } from "../../src/deploy/transport/ssh.js";
import type { HostDriver, HostInventory, NodeInventory, Transport } from "../../src/deploy/types.js";
import { startSshd, type LoopbackSshd } from "../support/sshd.js";
import { timings } from "../support/timed.js";
import { buildPctSim, scannedKey, stopContainers, systemdRootfs } from "../support/lxc-lab.js";

const root = resolve(__dirname, "../..");
const t = timings();
let tmp: string;
let sshd: LoopbackSshd | undefined;
let bridge: string | undefined;
/** Third octet of the test subnet 10.213.<net>.0/24 (random, so parallel runs rarely meet). */
const net = 1 + ((randomBytes(1)[0] as number) % 250);
let template: { image: string; file: string; sha256: string };
const transports: Transport[] = [];

/** A host of the inventory reached over the loopback sshd. */
function host(name: string, driver: "lxc" | "proxmox", storage: string): HostInventory {
  const s = sshd as LoopbackSshd;
  return {
    name,
    address: "root@127.0.0.1",
    port: s.port,
    driver,
    storage,
    ...(driver === "proxmox" ? { rootStorage: "local-lvm" } : {}),
    stateDir: join(tmp, `state-${name}`),
    knownHosts: s.knownHosts,
    identityFile: s.identityFile,
    parallel: 2,
  };
}

/** A node on the test bridge with a fixed MAC, an address and one data mount. */
function node(name: string, n: number, slots: [number, number]): NodeInventory {
  return {
    name,
    host: "h",
    slots,
    hostname: `kiln-${name}`,
    cores: 1,
    memory: 256,
    disk: 2,
    network: { bridge: bridge as string, ip: `10.213.${net}.${n}/24`, gateway: `10.213.${net}.1`, mac: `02:4b:49:4c:4e:${n.toString(16).padStart(2, "0")}` },
    mounts: [{ host: join(tmp, "data", name), path: "/srv/data", readOnly: false }],
  };
}

/** A transport that counts copies, to prove the template is sent only when missing. */
function counting(tr: Transport): Transport & { copies: number } {
  const c = { ...tr, copies: 0, copyTo: async (a: string, b: string) => void (c.copies++, await tr.copyTo(a, b)) };
  return c;
}

/** Polls systemd in the container until it is running or degraded (the bus appears a moment after start). */
async function systemdUp(d: HostDriver, vmid: number, ms = 90_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await d.exec(vmid, ["systemctl", "is-system-running", "--wait"], { timeoutMs: Math.max(1000, end - Date.now()) });
    const state = r.stdout.trim();
    if (state === "running" || state === "degraded") {
      if (state === "degraded") console.log((await d.exec(vmid, ["systemctl", "--failed", "--no-legend", "--plain"])).stdout);
      return state;
    }
    if (Date.now() > end) throw new Error(`systemd in ${vmid} did not come up: ${state} ${r.stderr}`);
    await new Promise((r2) => setTimeout(r2, 100));
  }
}

/** The saved public key of a node on the host (type and base64, no comment). */
async function savedKey(h: HostInventory, n: NodeInventory): Promise<string> {
  return (await readFile(join(h.stateDir, "identity", n.hostname, "ssh_host_ed25519_key.pub"), "utf8")).split(" ").slice(0, 2).join(" ");
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-drivers-"));
  // The pct simulator runs from dist/ (it is an executable on the "Proxmox host"): build it.
  await buildPctSim(tmp);
  const rootfs = join(tmp, "rootfs");
  // The systemd rootfs the deploy test boots too (made once per run), without host identity.
  await t.timed("mmdebstrap", () => systemdRootfs(rootfs));
  // A file under the data mount's path: it must never reach the host's data directory.
  await mkdir(join(rootfs, "srv/data"), { recursive: true });
  await writeFile(join(rootfs, "srv/data/from-template.txt"), "template content\n");
  const packed = await t.timed("pack", () => packDirectory(join(tmp, "store"), { dir: rootfs, name: "drivers-test", version: "1.0.0" }));
  template = { image: packed.manifest.image, file: packed.image.template, sha256: packed.manifest.template.sha256 };
  await rm(rootfs, { recursive: true, force: true });
  bridge = `kilnbr${randomBytes(3).toString("hex")}`;
  await run(["ip", "link", "add", "name", bridge, "type", "bridge"]);
  await run(["ip", "addr", "add", `10.213.${net}.1/24`, "dev", bridge]);
  await run(["ip", "link", "set", bridge, "up"]);
  for (const n of ["a", "b", "c"]) await mkdir(join(tmp, "data", n), { recursive: true });
  const simroot = join(tmp, "simroot");
  await mkdir(join(simroot, "etc/pve/lxc"), { recursive: true });
  await writeFile(
    join(simroot, "etc/pve/storage.cfg"),
    "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nlvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n",
  );
  const path = [join(root, "test/support/bin"), "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"].join(":");
  sshd = await startSshd({ dir: join(tmp, "sshd"), env: { PATH: path, PCT_SIM_ROOT: simroot, PCT_SIM_NODE: "pve-sim" } });
}, 1_200_000);

afterAll(async () => {
  for (const tr of transports) await tr.close().catch(() => undefined);
  // Whatever a failed test left: stop every container under the temp dir, undo pct mounts.
  await stopContainers([join(tmp ?? "/nonexistent", "lxc"), join(tmp ?? "/nonexistent", "simroot/var/lib/lxc")]);
  await sshd?.stop();
  if (bridge) await run(["ip", "link", "del", bridge], { allowFailure: true });
  if (tmp) await rm(tmp, { recursive: true, force: true });
  console.log(`driver timings (ms): ${JSON.stringify(t.ms)}`);
});

describe("ssh transport on loopback", () => {
  it("refuses a host whose key is not the one the inventory pins", async () => {
    const other = join(tmp, "other_key");
    await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other]);
    const wrong = sshTransport({
      ...host("h0", "lxc", join(tmp, "lxc")),
      knownHosts: (await readFile(`${other}.pub`, "utf8")).split(" ").slice(0, 2).join(" "),
    });
    await expect(wrong.run(["true"])).rejects.toThrow(/host key verification failed/);
    await wrong.close();
  });

  it("runs argv on the host exactly as given and streams files to it atomically", async () => {
    const tr = sshTransport(host("h0", "lxc", join(tmp, "lxc")));
    transports.push(tr);
    const args = ["a b", "$HOME", "it's", "`id`", "", "-n", "x\ny"];
    const r = await tr.run(["sh", "-c", 'for a; do printf "%s\\0" "$a"; done', "sh", ...args]);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(args);
    expect((await tr.run(["sh", "-c", "exit 7"], { allowFailure: true })).exitCode).toBe(7);
    await expect(tr.run(["false"])).rejects.toThrow(/h0 .*false: exit 1/);
    const src = join(tmp, "blob");
    await writeFile(src, randomBytes(3 << 20));
    await tr.copyTo(src, join(tmp, "blob.copy"));
    // Buffer.equals, not toEqual: a deep compare of 3 MiB element by element takes tens of seconds.
    expect((await readFile(join(tmp, "blob.copy"))).equals(await readFile(src))).toBe(true);
    expect((await readdir(tmp)).filter((n) => n.includes("kiln-tmp"))).toEqual([]);
  });
});

/** The whole life of two slots of one node through a driver; returns nothing, asserts as it goes. */
async function slotLife(o: {
  readonly h: HostInventory;
  readonly d: HostDriver & { hasTemplate(r: typeof template): Promise<boolean> };
  readonly tr: Transport & { copies: number };
  readonly n: NodeInventory;
  readonly label: string;
}): Promise<void> {
  const { d, n, tr, h, label } = o;
  const [s1, s2] = n.slots;
  expect(await d.hasTemplate(template)).toBe(false);
  await t.timed(`${label}: template (copy + check)`, () => d.ensureTemplate(template));
  await t.timed(`${label}: template (present, check only)`, () => d.ensureTemplate(template));
  expect(tr.copies).toBe(1);
  expect(await d.hasTemplate(template)).toBe(true);

  await t.timed(`${label}: create`, () => d.create(n, s1, template.image));
  expect(existsSync(join(n.mounts[0]?.host as string, "from-template.txt"))).toBe(false);
  expect(await d.slotState(s1)).toEqual({ vmid: s1, exists: true, running: false, image: template.image });
  await d.create(n, s1, template.image); // idempotent: already made
  await expect(d.create({ ...n, name: "other" }, s1, template.image)).rejects.toThrow(/already exists/);

  await writeFile(join(n.mounts[0]?.host as string, "from-host.txt"), "kept across swaps\n");
  await t.timed(`${label}: start`, () => d.start(s1));
  await t.timed(`${label}: start → systemd up`, () => systemdUp(d, s1));
  expect(await d.slotState(s1)).toMatchObject({ exists: true, running: true, image: template.image });
  const ip = n.network.ip.split("/")[0] as string;
  expect((await d.exec(s1, ["cat", "/etc/hostname"])).stdout).toBe(`${n.hostname}\n`);
  expect((await d.exec(s1, ["ip", "-o", "link", "show", "eth0"])).stdout).toContain(`link/ether ${n.network.mac}`);
  expect((await d.exec(s1, ["ip", "-o", "-4", "addr", "show", "eth0"])).stdout).toContain(`inet ${n.network.ip}`);
  expect((await d.exec(s1, ["cat", "/srv/data/from-host.txt"])).stdout).toBe("kept across swaps\n");
  expect((await d.exec(s1, ["sh", "-c", "echo written-in-1 > /srv/data/from-ct.txt"])).exitCode).toBe(0);
  expect((await d.exec(s1, ["sh", "-c", "exit 3"])).exitCode).toBe(3);
  const key = await scannedKey(ip);
  expect(key).toBe(await savedKey(h, n));

  // A second slot takes over: same identity (key, MAC, address, hostname), same data.
  await t.timed(`${label}: create second slot`, () => d.create(n, s2, template.image));
  await t.timed(`${label}: stop`, () => d.stop(s1));
  expect(await d.slotState(s1)).toMatchObject({ exists: true, running: false });
  await d.stop(s1); // idempotent
  await t.timed(`${label}: swap start → systemd up`, async () => {
    await d.start(s2);
    await systemdUp(d, s2);
  });
  await d.start(s2); // idempotent
  expect(await scannedKey(ip)).toBe(key);
  expect((await d.exec(s2, ["cat", "/srv/data/from-ct.txt"])).stdout).toBe("written-in-1\n");
  expect((await d.exec(s2, ["ip", "-o", "link", "show", "eth0"])).stdout).toContain(`link/ether ${n.network.mac}`);

  await d.destroy(s1);
  await d.destroy(s2); // running: stopped first
  await d.destroy(s2); // idempotent
  expect(await d.slotState(s1)).toEqual({ vmid: s1, exists: false, running: false });
  expect(await d.slotState(s2)).toEqual({ vmid: s2, exists: false, running: false });
  expect(await readFile(join(n.mounts[0]?.host as string, "from-ct.txt"), "utf8")).toBe("written-in-1\n");
}

describe("lxc driver over ssh", () => {
  it("runs two slots of a node with one identity, template copied once and checked on the host", async () => {
    const h = host("lxc1", "lxc", join(tmp, "lxc"));
    const tr = counting(sshTransport(h));
    transports.push(tr);
    const d = lxcDriver({ transport: tr, host: h });
    const n = node("a", 11, [1101, 1102]);
    await slotLife({ h, d, tr, n, label: "lxc" });
  });

  it("limits memory through the host's cgroups and deletes a template whose sha256 is wrong", async () => {
    const h = host("lxc1", "lxc", join(tmp, "lxc"));
    const tr = counting(sshTransport(h));
    transports.push(tr);
    const d = lxcDriver({ transport: tr, host: h });
    const n = node("a", 11, [1103, 1104]);
    await d.ensureTemplate(template);
    await d.create(n, 1103, template.image);
    await d.start(1103);
    const v1 = existsSync("/sys/fs/cgroup/memory");
    const r = await run(["lxc-cgroup", "-n", "1103", "-P", h.storage, v1 ? "memory.limit_in_bytes" : "memory.max"]);
    expect(Number(r.stdout.trim())).toBe(256 * 1024 * 1024);
    await d.destroy(1103);
    // A copy on the host that no longer matches: refused, deleted, copied anew on the next call.
    const onHost = join(h.stateDir, "templates", template.file.replace(/^.*\//, ""));
    await appendFile(onHost, "x");
    await expect(d.ensureTemplate(template)).rejects.toThrow(/has sha256 [0-9a-f]{64}, expected .*the bad copy was deleted/);
    expect(existsSync(onHost)).toBe(false);
    await d.ensureTemplate(template);
    expect(tr.copies).toBe(1);
  });
});

describe("proxmox driver over ssh, pct simulator on real LXC", () => {
  it("runs two slots of a node with one identity, template in the storage's cache, image in the description", async () => {
    const h = host("pve1", "proxmox", "local");
    const tr = counting(sshTransport(h));
    transports.push(tr);
    const d = proxmoxDriver({ transport: tr, host: h });
    const n = node("b", 12, [2101, 2102]);
    await slotLife({ h, d, tr, n, label: "proxmox" });
    expect(existsSync(join(tmp, "simroot/var/lib/vz/template/cache", template.file.replace(/^.*\//, "")))).toBe(true);
  });

  it("records the image in the CT's description and refuses to destroy a running CT as pct does", async () => {
    const h = host("pve1", "proxmox", "local");
    const tr = sshTransport(h);
    transports.push(tr);
    const d = proxmoxDriver({ transport: tr, host: h });
    const n = node("b", 12, [2103, 2104]);
    await d.ensureTemplate(template);
    await d.create(n, 2103, template.image);
    const conf = (await tr.run(["pct", "config", "2103"])).stdout;
    expect(conf).toContain(`description: kiln-image=sha256%3A${template.image.slice(7)} kiln-node=b\n`);
    expect(conf).toMatch(/^net0: name=eth0,bridge=kilnbr[0-9a-f]+,gw=10\.213\.\d+\.1,hwaddr=02:4B:49:4C:4E:0C,ip=10\.213\.\d+\.12\/24,type=veth$/m);
    expect(conf).toContain(`mp0: ${join(tmp, "data", "b")},mp=/srv/data,backup=0\n`);
    expect(conf).toContain("features: nesting=1\n");
    expect(conf).toContain("rootfs: local-lvm:vm-2103-disk-0,size=2G\n");
    await d.start(2103);
    const r = await tr.run(["pct", "destroy", "2103"], { allowFailure: true });
    expect(r).toMatchObject({ exitCode: 255, stderr: "unable to destroy CT 2103 - container is running\n" });
    expect((await tr.run(["pct", "list"])).stdout).toMatch(/^2103\s+running\s+kiln-b/m);
    await d.destroy(2103);
    expect((await tr.run(["pct", "list"])).stdout).toBe("");
  });

  it("preflight finds the node's bridge on the node and reports a missing one before anything is made", async () => {
    const h = host("pve1", "proxmox", "local");
    const tr = sshTransport(h);
    transports.push(tr);
    const d = proxmoxDriver({ transport: tr, host: h });
    const n = node("b", 12, [2105, 2106]);
    expect(await d.preflight?.([{ node: n, freeSlots: [2105] }])).toEqual([]);
    const lost = { ...n, name: "c", network: { ...n.network, bridge: "kilnbrnone" } };
    const problems = await d.preflight?.([
      { node: n, freeSlots: [2105] },
      { node: lost, freeSlots: [2106] },
    ]);
    expect(problems).toEqual([{ key: "nodes.c.network.bridge", message: expect.stringMatching(/^bridge "kilnbrnone" does not exist on host \w+ \(pve1 /) }]);
    expect((await tr.run(["pct", "list"])).stdout).toBe("");
  });

  it('with template_format = "oci" uploads an oci-archive that pct create detects, and the slot boots', async () => {
    const h: HostInventory = { ...host("pve1", "proxmox", "local"), templateFormat: "oci" };
    const tr = sshTransport(h);
    transports.push(tr);
    const d = proxmoxDriver({ transport: tr, host: h });
    const n = node("c", 13, [2105, 2106]);
    await t.timed("proxmox oci: template (write archive + copy + check)", () => d.ensureTemplate({ ...template, store: join(tmp, "store") }));
    const name = template.file.replace(/^.*\//, "").replace(/\.tar\.zst$/, ".oci.tar");
    const onHost = join(tmp, "simroot/var/lib/vz/template/cache", name);
    expect((await run(["tar", "-tf", onHost])).stdout.split("\n")).toEqual(expect.arrayContaining(["oci-layout", "index.json", "blobs/"]));
    await t.timed("proxmox oci: create", () => d.create(n, 2105, template.image));
    expect((await tr.run(["pct", "config", "2105"])).stdout).toContain(`description: kiln-image=sha256%3A${template.image.slice(7)} kiln-node=c\n`);
    await d.start(2105);
    await t.timed("proxmox oci: start → systemd up", () => systemdUp(d, 2105));
    expect((await d.exec(2105, ["cat", "/etc/hostname"])).stdout).toBe(`${n.hostname}\n`);
    await d.destroy(2105);
  });
});
