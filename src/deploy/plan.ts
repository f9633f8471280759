// Planning, purely: inventory + observed host state + journal → SwapPlan. Nothing here touches a host;
// the plan is printed before apply changes anything, and `--dry-run` stops after printing it.
import { UserError, type Problem } from "../errors.js";
import { displayPath } from "../util/display-path.js";
import { shortId } from "../util/format.js";
import { selectNodes } from "../inventory/load.js";
import { imageBefore, kilnCreating, kilnMade, lastGood, latestRun, reachedHealthy, settled, type Run } from "./runs.js";
import type { Action, Inventory, JournalEntry, NodeInventory, NodePlan, NodeState, SlotState, SwapPlan } from "./types.js";

export interface PlanInput {
  readonly inventory: Inventory;
  readonly observed: readonly NodeState[];
  readonly journal: readonly JournalEntry[];
  /** Only these nodes (all when absent). */
  readonly nodes?: readonly string[];
  /** Images each host already has, by host name; a host or image not listed gets an upload-template action. */
  readonly templates?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Unpacked size in bytes of each image the store has (manifest tarSize); a create that would not fit the node's disk is refused. */
  readonly sizes?: ReadonlyMap<string, number>;
}

/** Share of a root volume its filesystem takes for itself (ext4 metadata, reserved blocks): a template fills at most the rest. */
export const FS_OVERHEAD = 0.1;
const GiB = 1024 ** 3;

/** What one node is to end up running, and how it got there. */
interface Goal {
  readonly node: NodeInventory;
  readonly target: string;
  /** Image to journal as `previous` when it is not simply what runs now (resume). */
  readonly previous?: string;
  readonly revert?: boolean;
}

/** Plans a deploy of `image` to the selected nodes. Refuses nodes whose last deploy is unfinished. */
export function plan(i: PlanInput & { readonly image: string }): SwapPlan {
  const nodes = selectNodes(i.inventory, i.nodes);
  const open = nodes.flatMap((n) => {
    const r = latestRun(i.journal, n.name);
    return r && !settled(r) ? [{ n, r }] : [];
  });
  if (open.length) {
    throw new UserError(
      open.map(({ n, r }) => ({
        file: displayPath(i.inventory.path),
        key: `nodes.${n.name}`,
        message: `deploy ${r.deploy} of ${shortId(r.begin.image)} did not finish on this node (last step: ${r.last.event})`,
      })),
      { hint: "finish it first: kiln deploy --resume --inventory INV, or undo it: kiln rollback --inventory INV" },
    );
  }
  return {
    image: i.image,
    kind: "deploy",
    nodes: planGoals(
      i,
      nodes.map((node) => ({ node, target: i.image })),
    ),
  };
}

/**
 * Plans a rollback. With `to`, every selected node goes to that image. Without it, each node goes back to
 * the image it ran before its current one (journal); a node whose last deploy did not finish goes back to
 * what it ran before that deploy. A node with no earlier image is left alone and says so.
 */
export function planRollback(i: PlanInput & { readonly to?: string }): SwapPlan {
  const nodes = selectNodes(i.inventory, i.nodes);
  if (i.to !== undefined)
    return {
      image: i.to,
      kind: "rollback",
      nodes: planGoals(
        i,
        nodes.map((node) => ({ node, target: i.to as string })),
      ),
    };
  const goals: Goal[] = [];
  const stay: NodePlan[] = [];
  const open = new Set<string>();
  for (const node of nodes) {
    const state = stateOf(i.observed, node);
    const run = latestRun(i.journal, node.name);
    const current = state.slots.find((s) => s.running)?.image ?? lastGood(i.journal, node.name)?.image;
    const target = run && !settled(run) ? run.begin.previous : current && imageBefore(i.journal, node.name, current);
    if (run && !settled(run)) open.add(node.name);
    if (target) goals.push({ node, target });
    else stay.push(unchanged(node, state, current, `no earlier image in the journal to roll back to`));
  }
  // A deploy killed before it stopped the old slot leaves the node on its previous image: nothing to do,
  // but the run must still end (journaled), or status keeps asking for a rollback and deploy refuses.
  const planned = planGoals(i, goals).map((p) => (open.has(p.node) ? { ...p, settle: true } : p));
  return {
    image: "previous",
    kind: "rollback",
    nodes: nodes.map((n) => (planned.find((p) => p.node === n.name) ?? stay.find((p) => p.node === n.name)) as NodePlan),
  };
}

/**
 * Plans finishing what a killed or failed run left: every node whose newest run did not end. A run that
 * was failing (its last line is `failed`) is taken back to its previous image; any other is carried on to
 * its target, whose health is then checked.
 */
export function planResume(i: PlanInput): SwapPlan {
  const open = selectNodes(i.inventory, i.nodes).flatMap((node) => {
    const r = latestRun(i.journal, node.name);
    return r && !settled(r) ? [{ node, r }] : [];
  });
  const goals = open.flatMap(({ node, r }): Goal[] => resumeGoal(node, r));
  const firstFailures = open.filter(({ r }) => r.last.event === "failed" && r.begin.previous === undefined);
  const planned = planGoals(i, goals);
  // A first deploy that failed has nothing to go back to: stop what it started.
  const stops = firstFailures.map(({ node, r }) => stopOnly(node, stateOf(i.observed, node), r));
  const first = open[0]?.r.begin.image ?? "";
  return {
    image: first,
    kind: "resume",
    nodes: open.map(({ node }) => (planned.find((p) => p.node === node.name) ?? stops.find((p) => p.node === node.name)) as NodePlan),
  };
}

/** Where resuming takes a node: back to `previous` after a failure, else on to the run's target. */
function resumeGoal(node: NodeInventory, r: Run): Goal[] {
  if (r.last.event === "failed") return r.begin.previous === undefined ? [] : [{ node, target: r.begin.previous, previous: r.begin.image, revert: true }];
  return [{ node, target: r.begin.image, previous: r.begin.previous }];
}

/** Plans each goal; refuses (all at once) to destroy containers kiln did not make. */
function planGoals(i: PlanInput, goals: readonly Goal[]): NodePlan[] {
  const problems: Problem[] = [];
  const drafts = goals.map((g) => planNode({ goal: g, state: stateOf(i.observed, g.node), journal: i.journal, problems, file: i.inventory.path }));
  if (problems.length) throw new UserError(problems, { hint: "kiln only destroys containers it created; nothing was changed" });
  const plans = withStoreAndHosts(i, drafts);
  const ipam = plans.flatMap((p) => ipamProblem(i, nodeIn(i.inventory, p), p));
  if (ipam.length) throw new UserError(ipam, { hint: "attach these nodes to a bridge or vnet without IPAM (docs/deploy.md, SDN caveat); nothing was changed" });
  return plans;
}

/**
 * Completes a plan made before the hosts were asked which templates they have: drops the upload where the
 * host has the target's template, and refuses creates that would not fit the node's disk. `kiln deploy`
 * plans once, asks the hosts about that plan's targets, then finishes the same plan with this.
 */
export function withHostFacts(swap: SwapPlan, i: Pick<PlanInput, "inventory" | "templates" | "sizes">): SwapPlan {
  return { ...swap, nodes: withStoreAndHosts(i, swap.nodes) };
}

/** withHostFacts on node plans. */
function withStoreAndHosts(i: Pick<PlanInput, "inventory" | "templates" | "sizes">, plans: readonly NodePlan[]): NodePlan[] {
  const done = plans.map((p) => (i.templates?.get(p.host)?.has(p.target) ? { ...p, actions: p.actions.filter((a) => a.kind !== "upload-template") } : p));
  const small = done.flatMap((p) => diskProblem(i, nodeIn(i.inventory, p), p));
  if (small.length) throw new UserError(small, { hint: "raise disk (GiB) for these nodes; nothing was changed" });
  return done;
}

/** The inventory node a node plan is for. */
function nodeIn(inventory: Inventory, p: NodePlan): NodeInventory | undefined {
  return inventory.nodes.find((n) => n.name === p.node);
}

/** A create whose image would not fit the node's root disk (a fixed-size volume on real storage). */
function diskProblem(i: Pick<PlanInput, "inventory" | "sizes">, node: NodeInventory | undefined, p: NodePlan): Problem[] {
  const bytes = i.sizes?.get(p.target);
  if (!node || bytes === undefined || !p.actions.some((a) => a.kind === "create")) return [];
  const need = bytes / (1 - FS_OVERHEAD);
  if (need <= node.disk * GiB) return [];
  const mib = (n: number) => `${Math.ceil(n / 1024 ** 2)} MiB`;
  return [
    {
      file: displayPath(i.inventory.path),
      key: `nodes.${node.name}.disk`,
      message: `image ${shortId(p.target)} unpacks to ${mib(bytes)} (${mib(need)} with ${FS_OVERHEAD * 100}% for the filesystem), more than disk = ${node.disk} GiB; set disk = ${Math.ceil(need / GiB)} or more`,
    },
  ];
}

/** A destroy on an SDN vnet with IPAM: it would delete the address entries of the MAC the running slot shares. */
function ipamProblem(i: PlanInput, node: NodeInventory | undefined, p: NodePlan): Problem[] {
  const d = p.actions.find((a) => a.kind === "destroy");
  if (!node?.network.ipam || !d || d.kind !== "destroy") return [];
  return [
    {
      file: displayPath(i.inventory.path),
      key: `nodes.${node.name}.network.ipam`,
      message: `the plan destroys container ${d.vmid}, and on an SDN vnet with IPAM pct destroy deletes the IPAM entries of MAC ${node.network.mac}, which the node's other slot uses`,
    },
  ];
}

/** The observed state of a node's slots (the caller observes every planned node). */
function stateOf(observed: readonly NodeState[], node: NodeInventory): NodeState {
  const s = observed.find((o) => o.node === node.name);
  if (!s) throw new Error(`plan: no observed state for node ${node.name}`);
  return s;
}

/** A plan that changes nothing, with the reason. */
function unchanged(node: NodeInventory, state: NodeState, current: string | undefined, reason: string): NodePlan {
  const active = state.slots.find((s) => s.running);
  return {
    node: node.name,
    host: node.host,
    running: active?.image,
    target: current ?? "",
    toSlot: active?.vmid ?? node.slots[0],
    actions: [{ kind: "none", reason }],
  };
}

/** A failed first deploy being resumed: stop the new slot if it runs, and end the run as reverted. */
function stopOnly(node: NodeInventory, state: NodeState, r: Run): NodePlan {
  const to = r.begin.toSlot ?? node.slots[0];
  const running = state.slots.filter((s) => s.running);
  const actions: Action[] = running.length
    ? running.map((s) => ({ kind: "stop", vmid: s.vmid }))
    : [{ kind: "none", reason: "first deploy failed; nothing ran before it" }];
  return { node: node.name, host: node.host, running: running[0]?.image, target: r.begin.image, toSlot: to, actions, revert: true };
}

/** The running slot to treat as active: the last healthy one if both run, else one running the target. */
function pickActive(running: readonly SlotState[], good: { readonly slot: number } | undefined, target: string): SlotState | undefined {
  if (running.length <= 1) return running[0];
  return running.find((s) => s.vmid === good?.slot) ?? running.find((s) => s.image === target) ?? running[0];
}

interface NodeInput {
  readonly goal: Goal;
  readonly state: NodeState;
  readonly journal: readonly JournalEntry[];
  readonly problems: Problem[];
  readonly file: string;
}

/** Plans one node: keep (maybe just re-check health), flip to the other slot, or (re)create it. */
export function planNode(i: NodeInput): NodePlan {
  const { node, target } = i.goal;
  const [a, b] = i.state.slots;
  const running = [a, b].filter((s) => s.exists && s.running);
  const active = pickActive(running, lastGood(i.journal, node.name), target);
  // Two running slots share one MAC and address: stop the one that is not active first.
  const actions: Action[] = running.filter((s) => s !== active).map((s) => ({ kind: "stop", vmid: s.vmid }));
  const base = {
    node: node.name,
    host: node.host,
    running: active?.image,
    target,
    previous: i.goal.previous ?? active?.image,
    ...(i.goal.revert ? { revert: true } : {}),
  };
  const other = (vmid: number): SlotState => (a.vmid === vmid ? b : a);
  const holdsTarget = (s: SlotState) => s.exists && s.image === target;

  if (active && active.image === target) {
    const run = latestRun(i.journal, node.name);
    // Running but never verified: a run killed after starting the new slot and before its health gate.
    if (run && !settled(run) && run.begin.image === target && !reachedHealthy(run)) actions.push({ kind: "health", vmid: active.vmid });
    if (!actions.length) actions.push({ kind: "none", reason: `already running ${shortId(target)}` });
    const fallback = other(active.vmid);
    return { ...base, toSlot: active.vmid, fromSlot: fallback.exists && fallback.image ? fallback.vmid : undefined, actions };
  }
  if (active) {
    const to = other(active.vmid);
    if (holdsTarget(to)) actions.push({ kind: "stop", vmid: active.vmid }, { kind: "start", vmid: to.vmid }, { kind: "health", vmid: to.vmid });
    else actions.push(...prepare(i, to), { kind: "stop", vmid: active.vmid }, { kind: "start", vmid: to.vmid }, { kind: "health", vmid: to.vmid });
    return { ...base, toSlot: to.vmid, fromSlot: active.vmid, actions };
  }
  // Nothing runs: start a slot that holds the target, else build it in the slot that was not last good.
  const good = lastGood(i.journal, node.name);
  const to = [a, b].find(holdsTarget) ?? (good ? other(good.slot) : ([a, b].find((s) => !s.exists) ?? a));
  if (!holdsTarget(to)) actions.push(...prepare(i, to));
  actions.push({ kind: "start", vmid: to.vmid }, { kind: "health", vmid: to.vmid });
  const fallback = other(to.vmid);
  return { ...base, toSlot: to.vmid, fromSlot: fallback.exists && fallback.image ? fallback.vmid : undefined, actions };
}

/** Template, destroy of whatever holds the slot, create: what a slot needs before it can run the target (the upload is dropped later where the host has it). */
function prepare(i: NodeInput, slot: SlotState): Action[] {
  const { node, target } = i.goal;
  const out: Action[] = [{ kind: "upload-template", image: target }];
  if (slot.exists) {
    if (slot.image === undefined && !kilnMade(i.journal, node.name, slot.vmid)) {
      const k = node.slots.indexOf(slot.vmid);
      i.problems.push({
        file: displayPath(i.file),
        key: `nodes.${node.name}.slots[${k}]`,
        message: `container ${slot.vmid} on host ${node.host} exists but kiln did not create it (no image recorded, no journal entry); remove it yourself or give the node other slot ids`,
      });
    }
    out.push({ kind: "destroy", vmid: slot.vmid, ...(kilnCreating(i.journal, node.name, slot.vmid) ? { kilnLock: true } : {}) });
  }
  out.push({ kind: "create", vmid: slot.vmid, image: target });
  return out;
}
