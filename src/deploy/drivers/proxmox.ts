// HostDriver on Proxmox VE through pct(1) and pvesm(1) only, over the Transport. Templates go to the
// storage's template cache (found with `pvesm path`) and are checked there; a slot is created stopped with
// pct create, the node's saved SSH host keys are put in its root while it is mounted (`pct push` needs a
// running CT, and a started sshd must never show another key), and the image is recorded in the
// container's description (`kiln-creating=…` while being made, `kiln-image=…` once complete). Data mounts
// are added after create (pct create would unpack template files into them), and every run starts with
// pvePreflight (root, Proxmox VE version, root storage); the deploy preflight checks the nodes' bridges.
// With template_format = "oci" the template is uploaded as an oci-archive (oci-template.ts), which pct
// create detects on Proxmox VE 9.1.
import { basename } from "node:path";
import { ToolError, UserError, inStep } from "../../errors.js";
import { quoteInput } from "../../util/quote.js";
import type { RunResult } from "../../exec/run.js";
import type { HostDriver, HostInventory, NodeInventory, SlotState, Transport } from "../types.js";
import { writeRootFiles } from "./host-files.js";
import { ensureIdentity, identityWrites } from "./identity.js";
import { parseKilnDescription, parsePctConfig, parsePctMount, parsePctStatus, pctCreateArgv, pctExecArgv, pctFinishArgv } from "./pct-args.js";
import { PLAIN_TAR_SINCE, pveNodeProblems, pvePreflight, type PveFacts } from "./pve-preflight.js";
import { ociTemplateName, withOciTemplate } from "./oci-template.js";
import { ensureTemplateAt, hasTemplateAt, templateFileName, templatePathOf, type TemplateRef } from "./template.js";

export interface ProxmoxDriverOptions {
  readonly transport: Transport;
  readonly host: HostInventory;
  /** Seconds a clean shutdown may take before the container is stopped hard (default 10). */
  readonly stopTimeoutS?: number;
}

/** Locks kiln itself leaves when killed inside create (`create`) or while writing a slot's root (`mounted`). */
const KILN_LOCKS = ["create", "mounted"];

/** A HostDriver for a Proxmox VE node. `host.storage` holds templates; root volumes go to `host.rootStorage`. */
export function proxmoxDriver(o: ProxmoxDriverOptions): HostDriver & { hasTemplate(t: TemplateRef): Promise<boolean> } {
  const t = o.transport;
  const { storage, stateDir } = o.host;
  const rootStorage = o.host.rootStorage ?? "local-lvm";
  const pct = (...args: string[]) => ["pct", ...args];
  // Checked once, before the first pct command of the run.
  let checked: Promise<PveFacts> | undefined;
  const ready = () => (checked ??= inStep(`${t.describe}: preflight`, () => pvePreflight(t, o.host)));

  /** Parses `pct config` output, or undefined when the CT does not exist. */
  const configOf = (vmid: number, r: RunResult): Map<string, string> | undefined => {
    if (r.exitCode === 0) return parsePctConfig(r.stdout);
    if (/does not exist/.test(r.stderr)) return undefined;
    throw new ToolError(`${t.describe}: pct config ${vmid}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  };
  const config = async (vmid: number) => configOf(vmid, await t.run(pct("config", String(vmid)), { allowFailure: true }));

  const slotState = async (vmid: number): Promise<SlotState> => {
    await ready();
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
      const r = await t.run(pct("shutdown", String(vmid), "--timeout", String(timeout), "--forceStop", "1"), {
        allowFailure: true,
        timeoutMs: (timeout + 60) * 1000,
      });
      if (r.exitCode === 0 || /not running|does not exist/.test(r.stderr)) return;
      throw new ToolError(`pct shutdown ${vmid}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    });

  /** Clears a lock kiln left (journal-backed: `kilnLock`); refuses any other lock, which is someone else's. */
  const clearLock = async (vmid: number, lock: string | undefined, kilnLock: boolean) => {
    if (lock === undefined) return;
    if (!kilnLock || !KILN_LOCKS.includes(lock)) {
      throw new ToolError(
        `CT ${vmid} is locked (${lock}) and kiln's journal does not show that kiln left it: find out what holds it, then run pct unlock ${vmid} yourself`,
      );
    }
    // `pct unmount` undoes a `pct mount` and drops its lock; a create lock is dropped with `pct unlock`.
    await t.run(lock === "mounted" ? pct("unmount", String(vmid)) : pct("unlock", String(vmid)));
  };

  const destroy = (vmid: number, opts?: { readonly kilnLock?: boolean }) =>
    inStep(`${t.describe}: destroy ${vmid}`, async () => {
      const s = await slotState(vmid);
      if (!s.exists) return;
      await clearLock(vmid, (await config(vmid))?.get("lock"), opts?.kilnLock === true);
      if (s.running) await stop(vmid);
      await t.run(pct("destroy", String(vmid)), { timeoutMs: 10 * 60_000 });
    });

  /** Puts template file `ref.file` into the template storage as `name`, checked there and recorded. */
  const upload = async (ref: TemplateRef, name: string) => {
    const hostPath = (await t.run(["pvesm", "path", `${storage}:vztmpl/${name}`])).stdout.trim();
    if (!hostPath.startsWith("/"))
      throw new ToolError(`pvesm path printed ${JSON.stringify(hostPath)}, not a path: is storage '${storage}' a file storage with content vztmpl?`);
    await ensureTemplateAt(t, { ref, hostPath, stateDir });
  };

  /** Refuses a create whose data directories are missing: the first start would fail on them. */
  const needMountDirs = async (node: NodeInventory) => {
    for (const m of node.mounts) {
      if ((await t.run(["test", "-d", m.host], { allowFailure: true })).exitCode !== 0) {
        throw new UserError({
          key: `nodes.${node.name}.mount`,
          message: `host directory ${quoteInput(m.host)} does not exist on ${t.describe}; create it (kiln never creates data directories)`,
        });
      }
    }
  };

  return {
    kind: "proxmox",
    // Before any change: the plan's nodes on this host (their bridges), after the once-per-run checks.
    preflight: (nodes) =>
      inStep(`${t.describe}: preflight`, async () => {
        await ready();
        return pveNodeProblems(t, nodes);
      }),
    ensureTemplate: (ref) =>
      inStep(`${t.describe}: template ${ref.image}`, async () => {
        const facts = await ready(); // refuses template_format = "oci" on a node before 9.1
        if (o.host.templateFormat === "oci") return withOciTemplate(ref, (archive) => upload(archive, ociTemplateName(ref)));
        const name = templateFileName(ref);
        if (name.endsWith(".tar") && !facts.plainTar) {
          throw new ToolError(
            `${name} is an uncompressed .tar, which Proxmox VE takes only from libpve-storage-perl ${PLAIN_TAR_SINCE} (PVE 9) on: pack the image with zstd or gzip, or upgrade the node`,
          );
        }
        await upload(ref, name);
      }),
    hasTemplate: (ref) => hasTemplateAt(t, stateDir, ref.image),
    slotState,
    create: (node, vmid, image) =>
      inStep(`${t.describe}: create ${vmid} (${node.name})`, async () => {
        await ready();
        const conf = await config(vmid);
        if (conf) {
          const rec = parseKilnDescription(conf.get("description"));
          if (rec?.complete && rec.image === image && rec.node === node.name) return; // already made
          if (!rec || rec.complete)
            throw new ToolError(`CT ${vmid} already exists (${rec ? `node ${rec.node}, image ${rec.image}` : "not made by kiln"}): destroy it first`);
          await destroy(vmid, { kilnLock: true }); // kiln's own half-made slot from an interrupted run
        }
        await needMountDirs(node);
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
        // Data mounts only now, before the first start; the final description marks the slot complete.
        await t.run(pctFinishArgv({ vmid, node, image }));
      }),
    start: (vmid) =>
      inStep(`${t.describe}: start ${vmid}`, async () => {
        await ready();
        const r = await t.run(pct("start", String(vmid)), { allowFailure: true, timeoutMs: 180_000 });
        if (r.exitCode === 0 || /already running/.test(r.stderr)) return;
        throw new ToolError(`pct start ${vmid}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
      }),
    stop,
    destroy,
    // A clean environment: the host's has no business inside the container.
    exec: async (vmid, argv, opts) => t.run(pctExecArgv(vmid, argv, (await ready()).keepEnv), { allowFailure: true, timeoutMs: opts?.timeoutMs }),
  };
}
