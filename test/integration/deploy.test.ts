// The deployer's proof with real LXC and real sshd on loopback (issue 4), through the built CLI
// (`node dist/src/main.js deploy …`). Two "hosts" (each its own sshd and LXC path/state dir), four nodes.
// Images: one mmdebstrap rootfs (minbase + systemd + openssh-server) stored four times with a different
// /etc/kiln-variant: P (packed, no [verify]: the default gate), A and B (a [verify] reading the marker),
// C (a [verify] that fails). Then deploy A/B/rollback once through the proxmox driver and the pct simulator.
// Needs root, LXC, mmdebstrap and the Debian mirror. Cleans up containers, bridge, sshds and temp dirs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, spawnPiped } from "../../src/exec/run.js";
import { packDirectory } from "../../src/store/index.js";
import { journalPathFor } from "../../src/deploy/journal.js";
import { cliPath, ensureBuilt, kiln } from "../support/kiln.js";
import { startSshd, type LoopbackSshd } from "../support/sshd.js";
import { buildPctSim, scannedKey, simPath, stopContainers, storeWithVerify, systemdRootfs, testBridge } from "../support/lxc-lab.js";
import { timings } from "../support/timed.js";

const t = timings();
let tmp: string;
let store: string;
let bridge: { readonly name: string; readonly prefix: string } | undefined;
const sshds: LoopbackSshd[] = [];
const img: Record<"P" | "A" | "B" | "C", string> = { P: "", A: "", B: "", C: "" };
/** Node name → [host, slots, last octet]. */
const NODES = { n1: ["h1", [1101, 1102], 11], n2: ["h1", [1201, 1202], 12], n3: ["h2", [2101, 2102], 21], n4: ["h2", [2201, 2202], 22] } as const;
type NodeName = keyof typeof NODES;
const names = Object.keys(NODES) as NodeName[];

/** One [hosts.X] table of an inventory for a loopback sshd. */
function hostToml(o: { readonly name: string; readonly s: LoopbackSshd; readonly driver: "lxc" | "proxmox"; readonly storage: string }): string {
  return [
    `[hosts.${o.name}]`,
    `address = "root@127.0.0.1"`,
    `port = ${o.s.port}`,
    `driver = "${o.driver}"`,
    `storage = "${o.storage}"`,
    `state_dir = "${join(tmp, `state-${o.name}`)}"`,
    `known_hosts = "${o.s.knownHosts}"`,
    `identity_file = "${o.s.identityFile}"`,
    "parallel = 2",
    "",
  ].join("\n");
}

/** One [nodes.X] table: a fixed MAC and address on the test bridge and one data mount. */
function nodeToml(o: { readonly name: string; readonly host: string; readonly slots: readonly number[]; readonly octet: number }): string {
  const b = bridge as { name: string; prefix: string };
  return [
    `[nodes.${o.name}]`,
    `host = "${o.host}"`,
    `slots = [${o.slots.join(", ")}]`,
    `hostname = "kiln-${o.name}"`,
    "cores = 1",
    "memory = 256",
    "disk = 2",
    `network = { bridge = "${b.name}", ip = "${b.prefix}.${o.octet}/24", gateway = "${b.prefix}.1", mac = "02:4b:49:4c:4e:${o.octet.toString(16).padStart(2, "0")}" }`,
    "",
    `[[nodes.${o.name}.mount]]`,
    `host = "${join(tmp, "data", o.name)}"`,
    `path = "/srv/data"`,
    "",
  ].join("\n");
}

/** Journal lines of the inventory (parsed). */
async function journal(inv: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(journalPathFor(inv), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** Runs kiln with --json and the test store; returns exit code and the parsed document (if any). */
async function kj(args: readonly string[]): Promise<{ code: number; doc: any; out: string; err: string }> {
  // TMPDIR inside the test dir: what a killed kiln cannot remove (its SSH control dir) goes with it.
  const r = await kiln([...args, "--store", store, "--json"], { cwd: tmp, env: { TMPDIR: tmp } });
  let doc: unknown;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    doc = undefined;
  }
  return { code: r.exitCode, doc, out: r.stdout, err: r.stderr };
}

/** What `kiln status` says each node runs: node → {state, slot, image}. */
async function status(inv: string): Promise<Record<string, { state: string; slot?: number; image?: string; unfinished?: string }>> {
  const r = await kj(["status", "--inventory", inv]);
  expect(r.code, r.err).toBe(0);
  return Object.fromEntries(
    (r.doc.nodes as Array<{ node: string; state: string; slot?: number; image?: string; unfinished?: string }>).map((n) => [n.node, n]),
  );
}

/** Runs argv inside the running slot of a node (lxc-attach on this machine, which is the "host"). */
async function inNode(o: { readonly lxcpath: string; readonly slot: number; readonly argv: readonly string[] }): Promise<string> {
  return (await run(["lxc-attach", "-n", String(o.slot), "-P", o.lxcpath, "--", ...o.argv])).stdout;
}

const lxcpath = (h: string): string => join(tmp, `lxc-${h}`);
const ip = (n: NodeName): string => `${bridge?.prefix}.${NODES[n][2]}`;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-deploy-"));
  store = join(tmp, "store");
  await ensureBuilt();
  await t.timed("pct-sim build", () => buildPctSim(tmp));
  const rootfs = join(tmp, "rootfs");
  await t.timed("mmdebstrap", () => systemdRootfs(rootfs));
  const variant = join(rootfs, "etc/kiln-variant");
  await writeFile(variant, "P\n");
  const packed = await t.timed("pack P", () => packDirectory(store, { dir: rootfs, name: "deploy-test", version: "0.1.0" }));
  img.P = packed.manifest.image;
  const check = (v: string) => ["grep", "-qx", v, "/etc/kiln-variant"];
  for (const [v, cmds] of [
    ["A", [check("A")]],
    ["B", [check("B"), ["test", "-d", "/srv/data"]]],
    ["C", [["sh", "-c", "echo candidate broken >&2; exit 1"]]],
  ] as const) {
    await writeFile(variant, `${v}\n`);
    img[v] = (
      await t.timed(`store ${v}`, () =>
        storeWithVerify(store, {
          dir: rootfs,
          like: packed.manifest,
          version: `1.0.${v.charCodeAt(0)}`,
          verify: { allowDegraded: [], commands: cmds, timeout: 90 },
        }),
      )
    ).manifest.image;
  }
  await rm(rootfs, { recursive: true, force: true });
  bridge = await testBridge();
  for (const n of [...names, "p1", "p2"]) await mkdir(join(tmp, "data", n), { recursive: true });
  for (const h of ["h1", "h2"]) await mkdir(lxcpath(h), { recursive: true });
  const simroot = join(tmp, "simroot");
  await mkdir(join(simroot, "etc/pve/lxc"), { recursive: true });
  await writeFile(
    join(simroot, "etc/pve/storage.cfg"),
    "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nlvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n",
  );
  for (const h of ["h1", "h2"]) sshds.push(await startSshd({ dir: join(tmp, `sshd-${h}`) }));
  sshds.push(await startSshd({ dir: join(tmp, "sshd-pve"), env: { PATH: simPath, PCT_SIM_ROOT: simroot, PCT_SIM_NODE: "pve-sim" } }));
  const inv = [
    hostToml({ name: "h1", s: sshds[0] as LoopbackSshd, driver: "lxc", storage: lxcpath("h1") }),
    hostToml({ name: "h2", s: sshds[1] as LoopbackSshd, driver: "lxc", storage: lxcpath("h2") }),
    ...names.map((n) => nodeToml({ name: n, host: NODES[n][0], slots: NODES[n][1], octet: NODES[n][2] })),
  ].join("\n");
  await writeFile(join(tmp, "site.toml"), inv);
  const pve = [
    hostToml({ name: "pve", s: sshds[2] as LoopbackSshd, driver: "proxmox", storage: "local" }),
    nodeToml({ name: "p1", host: "pve", slots: [3101, 3102], octet: 31 }),
    nodeToml({ name: "p2", host: "pve", slots: [3201, 3202], octet: 32 }),
  ].join("\n");
  await writeFile(join(tmp, "pve.toml"), pve);
}, 900_000);

afterAll(async () => {
  if (tmp) await stopContainers([lxcpath("h1"), lxcpath("h2"), join(tmp, "simroot/var/lib/lxc")]);
  for (const s of sshds) await s.stop();
  if (bridge) await run(["ip", "link", "del", bridge.name], { allowFailure: true });
  if (tmp) await rm(tmp, { recursive: true, force: true });
  console.log(`deploy test timings (ms): ${JSON.stringify(t.ms)}`);
}, 300_000);

describe("deploy over SSH to two LXC hosts on loopback (4 nodes)", () => {
  const inv = () => join(tmp, "site.toml");
  const keys: Record<string, string> = {};

  /** Every node runs `image` (per kiln status), its data file is readable, and its SSH host key is unchanged. */
  async function allRun(image: string): Promise<Record<string, { state: string; slot?: number; image?: string }>> {
    const s = await status(inv());
    for (const n of names) {
      expect(s[n], n).toMatchObject({ state: "running", image });
      const slot = s[n]?.slot as number;
      expect(await inNode({ lxcpath: lxcpath(NODES[n][0]), slot, argv: ["cat", "/srv/data/kept.txt"] })).toBe(`written in ${n}\n`);
      expect(await scannedKey(ip(n))).toBe(keys[n]);
    }
    return s;
  }

  it("deploy A: every node created, started and healthy; journal begin…done per node", async () => {
    const r = await t.timed("deploy A", () => kj(["deploy", img.A, "--inventory", inv()]));
    expect(r.code, r.err).toBe(0);
    expect(r.doc.result.nodes.map((n: { status: string }) => n.status)).toEqual(names.map(() => "done"));
    const events = (await journal(inv())).filter((l) => l.deploy === r.doc.result.deploy);
    for (const n of names) {
      const ev = events.filter((l) => l.node === n).map((l) => l.event);
      expect(ev[0]).toBe("begin");
      expect(ev.at(-1)).toBe("done");
      expect(ev).toEqual(expect.arrayContaining(["created", "started-new", "healthy"]));
    }
    const s = await status(inv());
    for (const n of names) {
      expect(s[n]).toMatchObject({ state: "running", image: img.A });
      await inNode({ lxcpath: lxcpath(NODES[n][0]), slot: s[n]?.slot as number, argv: ["sh", "-c", `echo 'written in ${n}' > /srv/data/kept.txt`] });
      expect(await inNode({ lxcpath: lxcpath(NODES[n][0]), slot: s[n]?.slot as number, argv: ["cat", "/etc/kiln-variant"] })).toBe("A\n");
      keys[n] = await scannedKey(ip(n));
      expect(keys[n]).toBe(
        (await readFile(join(tmp, `state-${NODES[n][0]}`, "identity", `kiln-${n}`, "ssh_host_ed25519_key.pub"), "utf8")).split(" ").slice(0, 2).join(" "),
      );
    }
  }, 300_000);

  it("deploy B: a swap per node; downtime recorded; A kept stopped in the other slot; data and host key kept", async () => {
    const before = await status(inv());
    const r = await t.timed("deploy B", () => kj(["deploy", img.B, "--inventory", inv()]));
    expect(r.code, r.err).toBe(0);
    for (const o of r.doc.result.nodes) {
      expect(o.status).toBe("done");
      expect(o.downtimeMs).toBeGreaterThan(0);
      expect(o.slot).not.toBe(before[o.node]?.slot);
    }
    const s = await allRun(img.B);
    for (const n of names) expect((s[n] as { standby?: { image?: string } }).standby?.image).toBe(img.A);
    const done = (await journal(inv())).filter((l) => l.deploy === r.doc.result.deploy && l.event === "done");
    expect(done.map((l) => typeof l.downtimeMs)).toEqual(names.map(() => "number"));
  }, 300_000);

  it("deploy B again: nothing changes, and kiln says so", async () => {
    const lines = (await journal(inv())).length;
    const r = await kiln(["deploy", img.B, "--inventory", inv(), "--store", store], { cwd: tmp, env: { TMPDIR: tmp } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/already running/);
    expect((await journal(inv())).length).toBe(lines);
  }, 120_000);

  it("rollback: a flip back to A (no create) in seconds", async () => {
    const r = await t.timed("rollback (flip)", () => kj(["rollback", "--inventory", inv()]));
    expect(r.code, r.err).toBe(0);
    const events = (await journal(inv())).filter((l) => l.deploy === r.doc.result.deploy);
    expect(events.filter((l) => l.event === "created")).toEqual([]);
    expect(events.filter((l) => l.event === "done")).toHaveLength(4);
    await allRun(img.A);
  }, 300_000);

  it("rollback --to an image no slot holds: recreated from the store", async () => {
    const r = await t.timed("rollback --to P (recreate)", () => kj(["rollback", "--to", img.P, "--inventory", inv()]));
    expect(r.code, r.err).toBe(0);
    const events = (await journal(inv())).filter((l) => l.deploy === r.doc.result.deploy);
    expect(events.filter((l) => l.event === "created")).toHaveLength(4);
    await allRun(img.P);
  }, 300_000);

  it("a candidate whose [verify] fails: the node is reverted, exit 1, still running the previous image", async () => {
    const r = await t.timed("deploy C (gate fails)", () => kj(["deploy", img.C, "--inventory", inv(), "--nodes", "n1,n3"]));
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/did not complete on 2 nodes/);
    const events = (await journal(inv())).filter((l) => l.deploy === r.doc?.result?.deploy || (r.doc === undefined && l.image === img.C));
    for (const n of ["n1", "n3"]) expect(events.filter((l) => l.node === n).map((l) => l.event)).toEqual(expect.arrayContaining(["failed", "reverted"]));
    await allRun(img.P);
  }, 300_000);

  it("kill -9 of kiln deploy mid-run, then kiln status shows the truth and kiln deploy --resume finishes", async () => {
    const before = (await journal(inv())).length;
    const proc = spawnPiped([process.execPath, cliPath, "deploy", img.B, "--inventory", inv(), "--store", store], { cwd: tmp, env: { TMPDIR: tmp } });
    proc.catch(() => undefined);
    const end = Date.now() + 120_000;
    while (!(await journal(inv())).slice(before).some((l) => l.event === "created")) {
      if (Date.now() > end) throw new Error("no created line within 120 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill("SIGKILL");
    await Promise.resolve(proc).catch(() => undefined);
    const s = await status(inv());
    for (const n of names) {
      // Every node runs its old or new image, except one caught in the one-line stop → start window.
      expect(["running", "down"], n).toContain(s[n]?.state);
      if (s[n]?.state === "running") expect([img.P, img.B]).toContain(s[n]?.image);
    }
    expect(Object.values(s).some((n) => n.unfinished !== undefined)).toBe(true);
    const r = await t.timed("resume", () => kj(["deploy", "--resume", "--inventory", inv()]));
    expect(r.code, r.err).toBe(0);
    // Nodes the killed run had not begun are not part of the resume: deploy B again finishes them.
    const r2 = await kj(["deploy", img.B, "--inventory", inv()]);
    expect(r2.code, r2.err).toBe(0);
    await allRun(img.B);
  }, 400_000);
});

describe("the same scenario through the proxmox driver and the pct simulator", () => {
  it("deploy A, deploy B (swap), rollback (flip)", async () => {
    const inv = join(tmp, "pve.toml");
    for (const [args, image] of [
      [["deploy", img.A], img.A],
      [["deploy", img.B], img.B],
      [["rollback"], img.A],
    ] as const) {
      const r = await t.timed(`pve ${args.join(" ").slice(0, 14)}`, () => kj([...args, "--inventory", inv]));
      expect(r.code, r.err).toBe(0);
      const s = await status(inv);
      for (const n of ["p1", "p2"]) expect(s[n]).toMatchObject({ state: "running", image });
    }
    const sim = await run(["pct", "list"], { env: { PATH: simPath, PCT_SIM_ROOT: join(tmp, "simroot"), PCT_SIM_NODE: "pve-sim" } });
    expect(sim.stdout).toMatch(/^3101\s+(running|stopped)\s+kiln-p1/m);
  }, 400_000);
});
