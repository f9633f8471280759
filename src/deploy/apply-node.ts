// One node's swap: walk its planned actions in order, journaling each step once it is done, then
// recover on failure so the node runs a version again: the old slot if it was stopped, else nothing changes.
//
// Crash windows (kill -9): between "stop old" and "start new" the node runs nothing until kiln is run
// again (`kiln deploy --resume`); nothing else happens in that window but one fsynced journal line,
// so it lasts about as long as the stop itself. Every other point leaves the old or the new slot running.
import { healthGate, DEFAULT_VERIFY, type GateResult } from "./health.js";
import type { HostDriver, JournalEntry, NodeInventory, NodePlan } from "./types.js";
import type { VerifySection } from "../recipe/types.js";

/** What a node's swap ended as. */
export type NodeStatus = "done" | "unchanged" | "reverted" | "failed" | "skipped";

export interface NodeOutcome {
  readonly node: string;
  readonly host: string;
  readonly status: NodeStatus;
  /** The image the plan took the node to. */
  readonly image: string;
  readonly previous?: string;
  /** The slot running when kiln finished with the node (when known). */
  readonly slot?: number;
  /** Old slot stopped → new slot healthy, in ms. */
  readonly downtimeMs?: number;
  readonly message?: string;
  readonly gate?: GateResult;
}

/** Everything a node's swap needs from the run around it. */
export interface NodeContext {
  readonly deploy: string;
  readonly node: NodeInventory;
  readonly driver: HostDriver;
  /** Makes the template of `image` present on the node's host (shared by the host's nodes). */
  readonly template: (image: string) => Promise<void>;
  readonly verify: (image: string) => VerifySection | null;
  readonly journal: (e: Omit<JournalEntry, "time">) => Promise<unknown>;
  /** Record begin/done even when nothing needs doing (resume settles such nodes). */
  readonly settleUnchanged: boolean;
  readonly now: () => number;
  readonly pollMs?: number;
  readonly log: (line: string) => void;
}

/** A failed health gate, carried to the recovery code with its result. */
class GateFailed extends Error {
  constructor(readonly gate: GateResult) {
    super(`health gate failed: ${gate.message ?? "?"}`);
  }
}

/** What has been done to the node so far: recovery depends on it. */
interface Progress {
  createFailed: boolean;
  stoppedOld: boolean;
  startedNew: boolean;
  stopAt?: number;
}

/** Applies one node's plan. Throws only when the journal cannot be written. */
export async function applyNode(ctx: NodeContext, p: NodePlan): Promise<NodeOutcome> {
  const base = { node: p.node, host: p.host, image: p.target, previous: p.previous };
  const nothing = p.actions.every((a) => a.kind === "none");
  if (nothing && !ctx.settleUnchanged && !p.settle)
    return { ...base, status: "unchanged", slot: p.toSlot, message: p.actions[0]?.kind === "none" ? p.actions[0].reason : undefined };
  const j = (event: JournalEntry["event"], extra: Partial<JournalEntry> = {}) =>
    ctx.journal({ deploy: ctx.deploy, node: p.node, image: p.target, event, ...extra });
  await j("begin", { previous: p.previous, fromSlot: p.fromSlot, toSlot: p.toSlot });
  const progress: Progress = { createFailed: false, stoppedOld: false, startedNew: false };
  let gate: GateResult | undefined;
  try {
    for (const a of p.actions) {
      if (a.kind === "none") continue;
      ctx.log(`${p.node}: ${a.kind === "upload-template" ? "template" : `${a.kind} ${a.vmid}`}`);
      if (a.kind === "upload-template") await ctx.template(a.image);
      else if (a.kind === "destroy") await ctx.driver.destroy(a.vmid, { kilnLock: a.kilnLock });
      else if (a.kind === "create") {
        // The intent first: a kill inside create leaves a locked CT that only this line shows is kiln's.
        await j("creating", { toSlot: a.vmid });
        progress.createFailed = true;
        await ctx.driver.create(ctx.node, a.vmid, a.image);
        progress.createFailed = false;
        await j("created", { toSlot: a.vmid });
      } else if (a.kind === "stop") {
        progress.stopAt ??= ctx.now();
        progress.stoppedOld = true;
        await ctx.driver.stop(a.vmid);
        await j("stopped-old", { fromSlot: a.vmid });
      } else if (a.kind === "start") {
        progress.startedNew = true;
        await ctx.driver.start(a.vmid);
        await j("started-new", { toSlot: a.vmid });
      } else {
        gate = await healthGate({
          driver: ctx.driver,
          vmid: a.vmid,
          verify: ctx.verify(p.target) ?? DEFAULT_VERIFY,
          stopOnFailure: true,
          pollMs: ctx.pollMs,
          now: ctx.now,
        });
        if (!gate.ok) throw new GateFailed(gate);
        await j("healthy", { toSlot: a.vmid });
      }
    }
  } catch (e) {
    if (e instanceof JournalBroken) throw e;
    return recover(ctx, p, progress, e, j);
  }
  const downtimeMs = progress.stopAt === undefined ? undefined : ctx.now() - progress.stopAt;
  const end = p.revert ? "reverted" : "done";
  await j(end, { toSlot: p.toSlot, downtimeMs });
  return { ...base, status: end, slot: p.toSlot, downtimeMs, gate };
}

/** A journal write failed: stop everything, the record of what happened can no longer be kept. */
export class JournalBroken extends Error {}

/**
 * After a failed step: journal `failed`, then put the node back on a running version. Before the old
 * slot was stopped it still runs (only a half-made slot is removed); after, the new slot is stopped and
 * the old one started. A run that was itself going back (p.revert) is left for `kiln deploy --resume`.
 */
async function recover(
  ctx: NodeContext,
  p: NodePlan,
  progress: Progress,
  e: unknown,
  j: (event: JournalEntry["event"], extra?: Partial<JournalEntry>) => Promise<unknown>,
): Promise<NodeOutcome> {
  const gate = e instanceof GateFailed ? e.gate : undefined;
  const message = (e as Error).message;
  const base = { node: p.node, host: p.host, image: p.target, previous: p.previous, gate };
  ctx.log(`${p.node}: ${message}`);
  await j("failed", { message });
  if (p.revert) return { ...base, status: "failed", message: `${message}; run kiln deploy --resume or kiln status` };
  // Whether the old slot was running when the swap began (the plan stops it only then).
  const ranBefore = p.actions.some((a) => a.kind === "stop");
  // The new slot may run if this run started it, or if it already ran (a resumed run only checking health).
  const newMayRun = progress.startedNew || p.running === p.target;
  try {
    let slot: number | undefined;
    if (ranBefore && !progress.stoppedOld && !newMayRun) {
      // The old slot never stopped: the node still runs it. Remove a container left half-created.
      if (progress.createFailed) await ctx.driver.destroy(p.toSlot, { kilnLock: true }).catch(() => undefined);
      slot = p.fromSlot;
    } else {
      // Never two slots of one node at once (one MAC, one address): the new one stops first.
      if (newMayRun) await ctx.driver.stop(p.toSlot);
      if (p.fromSlot !== undefined) {
        ctx.log(`${p.node}: reverting: start ${p.fromSlot}`);
        await ctx.driver.start(p.fromSlot);
        slot = p.fromSlot;
      }
    }
    await j("reverted", { message, fromSlot: p.fromSlot, toSlot: p.toSlot });
    return { ...base, status: "reverted", slot, message: slot === undefined ? `${message}; nothing ran before, so the node is stopped` : message };
  } catch (e2) {
    if (e2 instanceof JournalBroken) throw e2;
    return { ...base, status: "failed", message: `${message}; reverting failed too: ${(e2 as Error).message}; run kiln deploy --resume` };
  }
}

/** Takes a node that finished its swap back to its old slot (all-or-nothing after another node failed). */
export async function undoNode(ctx: NodeContext, p: NodePlan, why: string): Promise<NodeOutcome> {
  const j = (event: JournalEntry["event"], extra: Partial<JournalEntry> = {}) =>
    ctx.journal({ deploy: ctx.deploy, node: p.node, image: p.target, event, ...extra });
  const base = { node: p.node, host: p.host, image: p.target, previous: p.previous };
  await j("failed", { message: why });
  try {
    ctx.log(`${p.node}: all-or-nothing: stop ${p.toSlot}${p.fromSlot === undefined ? "" : `, start ${p.fromSlot}`}`);
    await ctx.driver.stop(p.toSlot);
    if (p.fromSlot !== undefined) await ctx.driver.start(p.fromSlot);
    await j("reverted", { message: why, fromSlot: p.fromSlot, toSlot: p.toSlot });
    return { ...base, status: "reverted", slot: p.fromSlot, message: why };
  } catch (e) {
    if (e instanceof JournalBroken) throw e;
    return { ...base, status: "failed", message: `${why}; reverting failed: ${(e as Error).message}; run kiln deploy --resume` };
  }
}
