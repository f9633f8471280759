// `kiln lock [--update [NAME…]] [--check]`: the explicit re-resolve that writes the lock and prints
// what changed. With --check it writes nothing and exits 1 when the lock would change (what CI runs).
import { formatChanges } from "../lock/diff.js";
import type { ConfigOverrides } from "../config.js";
import { displayPath } from "../util/display-path.js";
import { relock, type RelockResult } from "../sources/relock.js";
import { emit } from "./output.js";
import { loadProject } from "./project.js";

export interface LockCliOptions extends ConfigOverrides {
  readonly update?: true | string[];
  readonly check?: boolean;
  readonly json?: boolean;
}

/** The human rendering: a summary line, then one line per change. */
export function renderRelock(r: RelockResult): string {
  const what = `${r.debs} debs, ${r.wheels} wheels, ${r.checkouts} checkouts`;
  if (!r.resolved) return `${r.lock}: fresh (${what}); kiln lock --update re-resolves against today's sources`;
  const head = !r.changed ? `unchanged: ${r.lock} (${what})` : r.written ? `wrote ${r.lock} (${what})` : `${r.lock} would change (--check: nothing written)`;
  return [head, ...formatChanges(r.changes).map((l) => `  ${l}`)].join("\n");
}

/** Runs kiln lock; with --check a lock that would change sets exit code 1. */
export async function lock(opts: LockCliOptions): Promise<void> {
  const { config, recipe } = await loadProject(opts);
  const r = await relock({
    recipe,
    requirements: config.requirements,
    cache: config.cache,
    findLinks: config.findLinks,
    indexUrl: config.indexUrl,
    update: opts.update,
    check: opts.check,
  });
  emit(opts.json, { ...r, lock: displayPath(r.lock) }, renderRelock);
  if (opts.check && r.changed) process.exitCode = 1;
}
