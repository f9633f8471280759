// How deploy, resume and rollback report to a person: the plan table first (before anything changes),
// then one line per node with what happened to it.
import type { DeployReport } from "../deploy/deploy.js";
import { imageLabel, renderPlan } from "../deploy/plan-table.js";
import type { SwapPlan } from "../deploy/types.js";
import { CheckFailed } from "../errors.js";
import { table } from "../util/format.js";

/** Prints the plan table on stdout (the CLI calls this before apply starts). */
export function printPlan(plan: SwapPlan, tags: ReadonlyMap<string, readonly string[]>): void {
  process.stdout.write(`${renderPlan(plan, tags)}\n`);
}

/** The outcome of each node after apply (the plan was printed already). */
export function humanResult(r: DeployReport): string {
  if (r.dryRun) return "dry run: nothing was changed";
  if (!r.result) return "";
  const tags = new Map(Object.entries(r.tags));
  const rows = r.result.nodes.map((n) => [
    n.node,
    n.status,
    imageLabel(n.status === "done" ? n.image : n.status === "unchanged" ? n.image : n.previous, tags),
    n.slot === undefined ? "-" : String(n.slot),
    n.downtimeMs === undefined ? "-" : `${(n.downtimeMs / 1000).toFixed(1)}s`,
    n.message ?? "",
  ]);
  const counts = ["done", "unchanged", "reverted", "failed", "skipped"]
    .map((s) => [s, r.result?.nodes.filter((n) => n.status === s).length ?? 0] as const)
    .filter(([, c]) => c > 0);
  return [
    `\n${table(["NODE", "RESULT", "RUNNING", "SLOT", "DOWNTIME", "NOTE"], rows)}`,
    `${r.mode} ${r.result.deploy}: ${counts.map(([s, c]) => `${c} ${s}`).join(", ")} in ${(r.result.ms / 1000).toFixed(1)}s`,
  ].join("\n");
}

/** Exit 1 when a node did not end on its target. */
export function failIfNotOk(r: DeployReport): void {
  if (r.result && !r.result.ok) {
    const bad = r.result.nodes.filter((n) => n.status !== "done" && n.status !== "unchanged");
    throw new CheckFailed(
      `${r.mode} did not complete on ${bad.length} node${bad.length === 1 ? "" : "s"}: ${bad.map((n) => `${n.node} (${n.status})`).join(", ")}; kiln status shows what runs, kiln history what happened`,
    );
  }
}
