// HostDriver on plain LXC (lxc-start/-stop/-attach/-destroy), local or over SSH: every command goes
// through the Transport. A slot is `<lxcpath>/<vmid>/` with the rootfs unpacked from the kiln template,
// a config written the way `pct create` would, and kiln.json recording the image it was made from.
import { ToolError, inStep } from "../../errors.js";
import type { HostDriver, HostInventory, NodeInventory, SlotState, Transport } from "../types.js";
import { probeHostFacts } from "./host-facts.js";
import { readRootFile, writeRootFiles, type RootWrite } from "./host-files.js";
import { ensureIdentity, identityWrites } from "./identity.js";
import { lxcPreflight } from "./lxc-preflight.js";
import { extractArgv, hostnameText, hostsText, interfacesText, lxcConfigText, templateNameParts, type HostFacts } from "./lxc-config.js";
import { ensureTemplateAt, hasTemplateAt, templateFileName, templatePathOf, type TemplateRef } from "./template.js";

export interface LxcDriverOptions {
  readonly transport: Transport;
  readonly host: HostInventory;
  /** Seconds a clean shutdown may take before lxc-stop kills the container (default 10). */
  readonly stopTimeoutS?: number;
}

/** What kiln records beside a slot's config; written last, so its presence means the slot is complete. */
interface SlotRecord {
  readonly image: string;
  readonly node: string;
}

// Prints `lxc-info -s`, a separator line and kiln.json; exit 3 when the container does not exist.
// Constant text; the vmid and LXC path arrive as $1 and $2.
const RECORD_SEPARATOR = "--- kiln.json ---";
const STATE_SCRIPT = `lxc-info -n "$1" -P "$2" -s 2>/dev/null || exit 3; echo "${RECORD_SEPARATOR}"; cat -- "$2/$1/kiln.json" 2>/dev/null; exit 0`;

/** Marker of a slot being created: a leftover with it is kiln's own half-made slot, safe to remove. */
const CREATING = ".kiln-creating";

/** The Transport's run, failing with the step named. */
type Run = Transport["run"];

/** A HostDriver for an LXC host. `host.storage` is the LXC path, `host.stateDir` keeps templates and keys. */
export function lxcDriver(o: LxcDriverOptions): HostDriver & { hasTemplate(t: TemplateRef): Promise<boolean> } {
  const t = o.transport;
  const lxcpath = o.host.storage;
  const stateDir = o.host.stateDir;
  const dir = (vmid: number) => `${lxcpath}/${vmid}`;
  const lxc = (tool: string, vmid: number, ...rest: string[]) => [tool, "-n", String(vmid), "-P", lxcpath, ...rest];
  const facts = new Map<string, Promise<HostFacts>>();
  const factsFor = (ostype: string) => {
    let f = facts.get(ostype);
    if (!f) {
      f = probeHostFacts(t, ostype);
      facts.set(ostype, f);
    }
    return f;
  };

  const slotState = async (vmid: number): Promise<SlotState> => {
    // One round trip: the state, then the record (remote commands can cost a login shell's start-up each).
    const r = await t.run(["sh", "-c", STATE_SCRIPT, "sh", String(vmid), lxcpath], { allowFailure: true });
    if (r.exitCode === 3) return { vmid, exists: false, running: false };
    if (r.exitCode !== 0) throw new ToolError(`${t.describe}: reading the state of ${vmid}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    const [info = "", record = ""] = r.stdout.split(`\n${RECORD_SEPARATOR}\n`);
    const rec = parseRecord(record);
    return { vmid, exists: true, running: /State:\s+(RUNNING|STARTING)/.test(info), ...(rec ? { image: rec.image } : {}) };
  };

  const stop = (vmid: number) =>
    inStep(`${t.describe}: stop ${vmid}`, async () => {
      // A clean shutdown (SIGPWR to init), killed once the timeout passes; exit 2 is "not running" (done already).
      const timeout = o.stopTimeoutS ?? 10;
      const r = await t.run(lxc("lxc-stop", vmid, "-t", String(timeout)), { allowFailure: true, timeoutMs: (timeout + 30) * 1000 });
      if (r.exitCode === 0 || r.exitCode === 2) return;
      if ((await slotState(vmid)).running) await t.run(lxc("lxc-stop", vmid, "-k"));
    });

  return {
    kind: "lxc",
    ensureTemplate: (ref) =>
      inStep(`${t.describe}: template ${ref.image}`, async () => {
        await ensureTemplateAt(t, { ref, hostPath: `${stateDir}/templates/${templateFileName(ref)}`, stateDir });
      }),
    hasTemplate: (ref) => hasTemplateAt(t, stateDir, ref.image),
    slotState,
    create: (node, vmid, image) =>
      inStep(`${t.describe}: create ${vmid} (${node.name})`, () => createSlot({ t, lxc, dir: dir(vmid), stateDir, node, vmid, image, slotState, factsFor })),
    start: (vmid) =>
      inStep(`${t.describe}: start ${vmid}`, async () => {
        const log = `${dir(vmid)}/start.log`;
        const r = await t.run(lxc("lxc-start", vmid, "--logfile", log, "--logpriority", "WARN"), { allowFailure: true, timeoutMs: 120_000 });
        if (r.exitCode === 0) return;
        const s = await slotState(vmid);
        if (s.running) return; // already running: start is idempotent
        if (!s.exists) throw new ToolError(`container ${vmid} does not exist on ${t.describe}`);
        const tail = await t.run(["tail", "-n", "20", "--", log], { allowFailure: true });
        throw new ToolError(`lxc-start ${vmid} failed (exit ${r.exitCode})\n${r.stderr.trim()}\n${tail.stdout.trim()}`);
      }),
    stop,
    destroy: (vmid) =>
      inStep(`${t.describe}: destroy ${vmid}`, async () => {
        const s = await slotState(vmid);
        if (!s.exists) return removeLeftover(t.run, dir(vmid));
        if (s.running) await stop(vmid);
        await t.run(lxc("lxc-destroy", vmid));
      }),
    exec: (vmid, argv, opts) => t.run(lxc("lxc-attach", vmid, "--clear-env", "--", ...argv), { allowFailure: true, timeoutMs: opts?.timeoutMs }),
    preflight: (nodes) => inStep(`${t.describe}: preflight`, () => lxcPreflight(t, o.host, nodes)),
  };
}

/** Parses kiln.json; undefined for a slot kiln did not finish (or did not make). */
function parseRecord(text: string): SlotRecord | undefined {
  try {
    const v = JSON.parse(text) as Partial<SlotRecord>;
    return typeof v.image === "string" && typeof v.node === "string" ? { image: v.image, node: v.node } : undefined;
  } catch {
    return undefined;
  }
}

/** Reads kiln.json of a slot. */
async function readRecord(run: Run, slotDir: string): Promise<SlotRecord | undefined> {
  const r = await run(["cat", "--", `${slotDir}/kiln.json`], { allowFailure: true });
  return r.exitCode === 0 ? parseRecord(r.stdout) : undefined;
}

/** Removes a half-made slot kiln left (its marker proves it is kiln's); anything else there is refused. */
async function removeLeftover(run: Run, slotDir: string): Promise<void> {
  if ((await run(["test", "-e", slotDir], { allowFailure: true })).exitCode !== 0) return;
  if ((await run(["test", "-e", `${slotDir}/${CREATING}`], { allowFailure: true })).exitCode !== 0) {
    throw new ToolError(`${slotDir} exists but is not a container kiln made (no config, no ${CREATING} marker): remove it by hand or pick another slot id`);
  }
  await run(["rm", "-rf", "--one-file-system", "--", slotDir], { timeoutMs: 10 * 60_000 });
}

interface CreateContext {
  readonly t: Transport;
  readonly lxc: (tool: string, vmid: number, ...rest: string[]) => string[];
  readonly dir: string;
  readonly stateDir: string;
  readonly node: NodeInventory;
  readonly vmid: number;
  readonly image: string;
  readonly slotState: (vmid: number) => Promise<SlotState>;
  readonly factsFor: (ostype: string) => Promise<HostFacts>;
}

/** Creates a stopped slot: unpack, identity, network and names inside, LXC config, then the record. */
async function createSlot(c: CreateContext): Promise<void> {
  const { t, dir } = c;
  // Independent look-ups in parallel: each is a round trip to the host.
  const [s, template, keys] = await Promise.all([
    c.slotState(c.vmid),
    templatePathOf(t, c.stateDir, c.image),
    ensureIdentity(t, { stateDir: c.stateDir, hostname: c.node.hostname }),
  ]);
  if (s.exists) {
    const rec = await readRecord(t.run, dir);
    if (rec && rec.image === c.image && rec.node === c.node.name) return; // already made: create is idempotent
    throw new ToolError(`container ${c.vmid} already exists (${rec ? `node ${rec.node}, image ${rec.image}` : "not made by kiln"}): destroy it first`);
  }
  const parts = templateNameParts(template);
  const [facts] = await Promise.all([c.factsFor(parts.ostype ?? "debian"), removeLeftover(t.run, dir)]);
  const rootfs = `${dir}/rootfs`;
  await t.run(["sh", "-c", 'mkdir -p -m 0755 -- "$1/rootfs" && touch -- "$1/$2"', "sh", dir, CREATING]);
  await t.run(extractArgv(template, rootfs), { timeoutMs: 20 * 60_000 });
  const record: SlotRecord = { image: c.image, node: c.node.name };
  await writeRootFiles(t, [
    ...identityWrites({ dir: keys, root: rootfs }),
    ...(await rootfsWrites(t, rootfs, c.node)),
    { root: dir, path: "config", mode: "0644", content: lxcConfigText({ node: c.node, vmid: c.vmid, rootfs, arch: parts.arch ?? "amd64", facts }) },
    // Last: its presence means the slot is complete.
    { root: dir, path: "kiln.json", mode: "0644", content: `${JSON.stringify(record)}\n` },
  ]);
  await t.run(["rm", "-f", "--", `${dir}/${CREATING}`]);
}

/** Network, hostname and hosts inside the rootfs, as Proxmox's Debian setup writes them (reads /etc/hosts to keep it). */
export async function rootfsWrites(t: Transport, rootfs: string, node: NodeInventory): Promise<RootWrite[]> {
  const hosts = await readRootFile(t, rootfs, "etc/hosts");
  return [
    { root: rootfs, path: "etc/network/interfaces", mode: "0644", content: interfacesText(node.network), ifDirExists: true },
    { root: rootfs, path: "etc/hostname", mode: "0644", content: hostnameText(node.hostname) },
    { root: rootfs, path: "etc/hosts", mode: "0644", content: hostsText(hosts, { hostname: node.hostname, ip: node.network.ip }) },
  ];
}
