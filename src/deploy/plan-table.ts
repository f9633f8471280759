// A SwapPlan as the table `kiln deploy` prints before it touches anything.
import { shortId, table } from "../util/format.js";
import type { Action, SwapPlan } from "./types.js";

/** An image as "<12 hex> (tag, …)"; "-" when unknown. */
export function imageLabel(id: string | undefined, tags?: ReadonlyMap<string, readonly string[]>): string {
  if (!id) return "-";
  const t = tags?.get(id) ?? [];
  return t.length ? `${shortId(id)} (${t.join(", ")})` : shortId(id);
}

/** One action in a few words. */
function describeAction(a: Action): string {
  switch (a.kind) {
    case "upload-template":
      return "upload template";
    case "none":
      return `none: ${a.reason}`;
    default:
      return `${a.kind} ${a.vmid}`;
  }
}

/** The plan as an aligned table: node, host, running image, target image, actions. */
export function renderPlan(plan: SwapPlan, tags?: ReadonlyMap<string, readonly string[]>): string {
  if (plan.nodes.length === 0) return plan.kind === "resume" ? "nothing to resume: every node's last deploy finished" : "no nodes selected";
  return table(
    ["NODE", "HOST", "RUNNING", "TARGET", "ACTIONS"],
    plan.nodes.map((n) => [n.node, n.host, imageLabel(n.running, tags), imageLabel(n.target, tags), n.actions.map(describeAction).join(", ")]),
  );
}

/** True when applying the plan would change nothing. */
export function planIsEmpty(plan: SwapPlan): boolean {
  return plan.nodes.every((n) => n.actions.every((a) => a.kind === "none"));
}
