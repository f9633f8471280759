// HostDriver on Proxmox VE through pct(1) and pvesm(1) only, over the Transport. Templates go to the
// storage's template cache (found with `pvesm path`) and are checked there; a slot is created stopped with
// pct create, the node's saved SSH host keys are put in its root while it is mounted (`pct push` needs a
// running CT, and a started sshd must never show another key), and the image is recorded in the
// container's description (`kiln-creating=…` while being made, `kiln-image=…` once complete).
import { basename } from "node:path";
import { ToolError, inStep } from "../../errors.js";
import type { RunResult } from "../../exec/run.js";
import type { HostDriver, HostInventory, SlotState, Transport } from "../types.js";
import { writeRootFiles } from "./host-files.js";
import { ensureIdentity, identityWrites } from "./identity.js";
import { kilnDescription, parseKilnDescription, parsePctConfig, parsePctMount, parsePctStatus, pctCreateArgv } from "./pct-args.js";
import { ensureTemplateAt, hasTemplateAt, templateFileName, templatePathOf, type TemplateRef } from "./template.js";

export interface ProxmoxDriverOptions {
  readonly transport: Transport;
  readonly host: HostInventory;
  /** Seconds a clean shutdown may take before the container is stopped hard (default 10). */
  readonly stopTimeoutS?: number;
}

/** A HostDriver for a Proxmox VE node. `host.storage` holds templates; root volumes go to `host.rootStorage` (default: the same). */
export function proxmoxDriver(o: ProxmoxDriverOptions): HostDriver & { hasTemplate(t: TemplateRef): Promise<boolean> } {
  const t = o.transport;
  const { storage, stateDir } = o.host;
  const rootStorage = o.host.rootStorage ?? storage;
  const pct = (...args: string[]) => ["pct", ...args];

  /** Parses `pct config` output, or undefined when the CT does not exist. */
  const configOf = (vmid: number, r: RunResult): Map<string, string> | undefined => {
    if (r.exitCode === 0) return parsePctConfig(r.stdout);
    if (/does not exist/.test(r.stderr)) return undefined;
    throw new ToolError(`${t.describe}: pct config ${vmid}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  };
  const config = async (vmid: number) => configOf(vmid, await t.run(pct("config", String(vmid)), { allowFailure: true }));

  const slotState = async (vmid: number): Promise<SlotState> => {
    // Both questions at once: each is a round trip (and a pct start-up) on the host.
    const [c, st] = await Promise.all([t.run(pct("config", String(vmid)), { allowFailure: true }), t.run(pct("status", String(vmid)), { allowFailure: true })]);
    const conf = configOf(vmid, c);
    if (!conf) return { vmid, exists: false, running: false };
    if (st.exitCode !== 0) throw new ToolError(`${t.describe}: pct status ${vmid}: ${st.stderr.trim() || `exit ${st.exitCode}`}`);
    const rec = parseKilnDescription(conf.get("description"));
    return { vmid, exists: true, running: parsePctStatus(st.stdout) === "running", ...(rec?.complete ? { image: rec.image } : {}) };
  };

  const stop = (vmid: number) =>
    inStep(`${t.describe}: stop ${vmid}`, async () => {
      const timeout = o.stopTimeoutS ?? 10;
      // A clean shutdown, stopped hard when it takes longer than the timeout.
      const r = await t.run(pct("shutdown", String(vmid), "--timeout", String(timeout), "--forceStop", "1"), { allowFailure: true, timeoutMs: (timeout + 60) * 1000 });
      if (r.exitCode === 0 || /not running|does not exist/.test(r.stderr)) return;
      throw new ToolError(`pct shutdown ${vmid}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    });

  const destroy = (vmid: number) =>
    inStep(`${t.describe}: destroy ${vmid}`, async () => {
      const s = await slotState(vmid);
      if (!s.exists) return;
      if (s.running) await stop(vmid);
      await t.run(pct("destroy", String(vmid)), { timeoutMs: 10 * 60_000 });
    });

  return {
    kind: "proxmox",
    ensureTemplate: (ref) =>
      inStep(`${t.describe}: template ${ref.image}`, async () => {
        const hostPath = (await t.run(["pvesm", "path", `${storage}:vztmpl/${templateFileName(ref)}`])).stdout.trim();
        if (!hostPath.startsWith("/")) throw new ToolError(`pvesm path printed ${JSON.stringify(hostPath)}, not a path: is storage '${storage}' a file storage with content vztmpl?`);
        await ensureTemplateAt(t, { ref, hostPath, stateDir });
      }),
    hasTemplate: (ref) => hasTemplateAt(t, stateDir, ref.image),
    slotState,
    create: (node, vmid, image) =>
      inStep(`${t.describe}: create ${vmid} (${node.name})`, async () => {
        const conf = await config(vmid);
        if (conf) {
          const rec = parseKilnDescription(conf.get("description"));
          if (rec?.complete && rec.image === image && rec.node === node.name) return; // already made
          if (!rec || rec.complete) throw new ToolError(`CT ${vmid} already exists (${rec ? `node ${rec.node}, image ${rec.image}` : "not made by kiln"}): destroy it first`);
          await destroy(vmid); // kiln's own half-made slot from an interrupted run
        }
        const [template, keys] = await Promise.all([templatePathOf(t, stateDir, image), ensureIdentity(t, { stateDir, hostname: node.hostname })]);
        const volid = `${storage}:vztmpl/${basename(template)}`;
        await t.run(pctCreateArgv({ vmid, volid, node, rootStorage, image }), { timeoutMs: 20 * 60_000 });
        const mounted = parsePctMount((await t.run(pct("mount", String(vmid)))).stdout);
        try {
          if (!mounted) throw new ToolError(`pct mount ${vmid} did not say where the root filesystem is`);
          await writeRootFiles(t, identityWrites({ dir: keys, root: mounted }));
        } finally {
          await t.run(pct("unmount", String(vmid)));
        }
        await t.run(pct("set", String(vmid), "--description", kilnDescription({ image, node: node.name })));
      }),
    start: (vmid) =>
      inStep(`${t.describe}: start ${vmid}`, async () => {
        const r = await t.run(pct("start", String(vmid)), { allowFailure: true, timeoutMs: 180_000 });
        if (r.exitCode === 0 || /already running/.test(r.stderr)) return;
        throw new ToolError(`pct start ${vmid}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
      }),
    stop,
    destroy,
    // --keep-env 0: the host's environment has no business inside the container.
    exec: (vmid, argv, opts) => t.run(pct("exec", String(vmid), "--keep-env", "0", "--", ...argv), { allowFailure: true, timeoutMs: opts?.timeoutMs }),
  };
}
