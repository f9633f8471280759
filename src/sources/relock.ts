// kiln lock: the explicit re-resolve. Resolves against today's sources (resolveLock), compares with the
// lock on disk, and writes the new lock unless --check. `--update NAME…` accepts version changes only
// for the named entries: apt resolves the deb closure as a whole, so kiln cannot keep the others at
// their old versions while moving one; it refuses instead when the re-resolve would move others too.
import { existsSync } from "node:fs";
import { UserError } from "../errors.js";
import { diffLocks, changeName, formatChanges, type LockChange } from "../lock/diff.js";
import { lockPathFor, readLock, serializeLock, writeLock } from "../lock/lock.js";
import type { Lock } from "../lock/types.js";
import { recipeDigest, requirementsFileOf } from "../recipe/load.js";
import { loadRequirements } from "../requirements/index.js";
import { resolveLock, type FetchOptions } from "./fetch.js";

export interface RelockOptions extends FetchOptions {
  /** true: re-resolve everything; names: re-resolve, accepting version changes only for these. */
  readonly update?: true | readonly string[];
  /** Compare only: write nothing (exit 1 from the CLI when the lock would change). */
  readonly check?: boolean;
}

export interface RelockResult {
  readonly lock: string;
  /** The lock before: "missing", "stale" (another recipe or requirements) or "fresh". */
  readonly state: "missing" | "stale" | "fresh";
  /** False when kiln did not resolve (a fresh lock without --update or --check). */
  readonly resolved: boolean;
  /** True when the resolved lock differs from the one on disk. */
  readonly changed: boolean;
  /** True when the lock file was written. */
  readonly written: boolean;
  readonly changes: readonly LockChange[];
  readonly debs: number;
  readonly wheels: number;
  readonly checkouts: number;
}

/** The lock on disk and whether it still belongs to the recipe and requirements. */
async function current(o: FetchOptions): Promise<{ readonly lock?: Lock; readonly state: RelockResult["state"] }> {
  const file = lockPathFor(o.recipe.path);
  const lock = existsSync(file) ? await readLock(file).catch(() => undefined) : undefined;
  if (!lock) return { state: "missing" };
  const reqFile = requirementsFileOf(o.recipe, o.requirements);
  const reqSha = reqFile && existsSync(reqFile) ? (await loadRequirements(reqFile)).sha256 : null;
  const fresh = lock.recipeSha256 === recipeDigest(o.recipe) && lock.requirementsSha256 === reqSha;
  return { lock, state: fresh ? "fresh" : "stale" };
}

/** Version changes to entries the user did not name (additions and removals follow from the named ones). */
export function unnamedChanges(changes: readonly LockChange[], names: readonly string[]): LockChange[] {
  return changes.filter((c) => c.from !== undefined && c.to !== undefined && !names.includes(changeName(c)));
}

/** Refuses names that are in neither the old nor the new lock. */
function checkNames(names: readonly string[], locks: readonly (Lock | undefined)[]): void {
  const known = new Set(locks.flatMap((l) => (l ? [...l.debs, ...l.wheels, ...l.checkouts].map((e) => e.name) : [])));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length)
    throw new UserError(unknown.map((n) => ({ message: `--update ${JSON.stringify(n)}: no deb, wheel or checkout of that name in the lock` })));
}

/** Resolves (unless a fresh lock needs nothing), diffs against the lock on disk, writes unless --check. */
export async function relock(o: RelockOptions): Promise<RelockResult> {
  const before = await current(o);
  const file = lockPathFor(o.recipe.path);
  const counts = (l?: Lock) => ({ debs: l?.debs.length ?? 0, wheels: l?.wheels.length ?? 0, checkouts: l?.checkouts.length ?? 0 });
  if (before.state === "fresh" && !o.update && !o.check) {
    return { lock: file, state: "fresh", resolved: false, changed: false, written: false, changes: [], ...counts(before.lock) };
  }
  const { lock } = await resolveLock(o);
  const changes = diffLocks(before.lock, lock);
  // `true` (update everything) or the names given (Array.isArray does not narrow a readonly array).
  const names = o.update === true ? undefined : o.update;
  if (names) {
    checkNames(names, [before.lock, lock]);
    const others = unnamedChanges(changes, names);
    if (others.length) {
      throw new UserError(
        formatChanges(others).map((line) => ({ message: `re-resolving also moves ${line}` })),
        {
          hint: "apt resolves the closure as a whole, so kiln cannot keep these at their locked versions: name them too (kiln lock --update NAME…), or re-resolve everything with kiln lock --update. Nothing was written.",
        },
      );
    }
  }
  const changed = before.lock === undefined || serializeLock(before.lock) !== serializeLock(lock);
  const written = !o.check && (await writeLock(file, lock));
  return { lock: file, state: before.state, resolved: true, changed, written, changes, ...counts(lock) };
}
