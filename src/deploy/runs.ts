// What the journal says about one node, read as "runs": a run is a `begin` line and the lines of the
// same deploy that follow it for that node. The newest run decides whether a node is settled.
import type { JournalEntry } from "./types.js";

/** One node's part of one deploy. */
export interface Run {
  readonly deploy: string;
  readonly begin: JournalEntry;
  /** Every line of the run, begin first. */
  readonly events: readonly JournalEntry[];
  readonly last: JournalEntry;
}

/** Events that end a run: the node runs the new image (done) or what it ran before (reverted). */
const TERMINAL: ReadonlySet<JournalEntry["event"]> = new Set(["done", "reverted"]);

/** The node's runs, oldest first. Lines before the node's first `begin` are ignored. */
export function runsOf(journal: readonly JournalEntry[], node: string): readonly Run[] {
  const runs: { deploy: string; begin: JournalEntry; events: JournalEntry[] }[] = [];
  for (const e of journal) {
    if (e.node !== node) continue;
    if (e.event === "begin") runs.push({ deploy: e.deploy, begin: e, events: [e] });
    else {
      const r = runs[runs.length - 1];
      if (r && r.deploy === e.deploy) r.events.push(e);
    }
  }
  return runs.map((r) => ({ ...r, last: r.events[r.events.length - 1] ?? r.begin }));
}

/** The node's newest run. */
export function latestRun(journal: readonly JournalEntry[], node: string): Run | undefined {
  const runs = runsOf(journal, node);
  return runs[runs.length - 1];
}

/** True when the run ended (done or reverted); an unsettled run was cut short by a crash or a failed revert. */
export function settled(run: Run): boolean {
  return TERMINAL.has(run.last.event);
}

/** True when the run's new image passed the health gate (or the run completed) and nothing gave it up afterwards. */
export function reachedHealthy(run: Run): boolean {
  const at = run.events.findIndex((e) => e.event === "healthy" || e.event === "done");
  return at >= 0 && !run.events.slice(at).some((e) => e.event === "failed" || e.event === "reverted");
}

/** The slot and image the node last ran healthily: what to fall back to when nothing runs. */
export function lastGood(journal: readonly JournalEntry[], node: string): { readonly slot: number; readonly image: string } | undefined {
  const runs = runsOf(journal, node);
  for (let i = runs.length - 1; i >= 0; i--) {
    const r = runs[i] as Run;
    if (reachedHealthy(r) && r.begin.toSlot !== undefined) return { slot: r.begin.toSlot, image: r.begin.image };
    if (r.begin.fromSlot !== undefined && r.begin.previous !== undefined) return { slot: r.begin.fromSlot, image: r.begin.previous };
  }
  return undefined;
}

/**
 * The image the node ran before `current`, for a rollback: the `previous` of the newest run that brought
 * `current` in and kept it (healthy, not reverted).
 */
export function imageBefore(journal: readonly JournalEntry[], node: string, current: string): string | undefined {
  const runs = runsOf(journal, node);
  for (let i = runs.length - 1; i >= 0; i--) {
    const r = runs[i] as Run;
    if (r.begin.image === current && reachedHealthy(r)) return r.begin.previous;
  }
  return undefined;
}

/** True when kiln itself created (or was creating) container `vmid` for the node: safe to destroy. */
export function kilnMade(journal: readonly JournalEntry[], node: string, vmid: number): boolean {
  return runsOf(journal, node).some((r) => r.begin.toSlot === vmid);
}

/** True when the journal says kiln began creating container `vmid` for the node: a lock left on it is kiln's. */
export function kilnCreating(journal: readonly JournalEntry[], node: string, vmid: number): boolean {
  return journal.some((e) => e.node === node && e.event === "creating" && e.toSlot === vmid);
}
