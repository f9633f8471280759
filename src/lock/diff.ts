// What a re-resolve changed in a lock, entry by entry (name, old → new, added, removed), as data and as
// the lines `kiln lock` prints.
import type { Lock } from "./types.js";

/** One entry that differs between two locks; `from` absent = added, `to` absent = removed. */
export interface LockChange {
  readonly kind: "deb" | "wheel" | "checkout";
  /** `name` (a deb of another arch than the base: `name:arch`). */
  readonly name: string;
  readonly from?: string;
  readonly to?: string;
}

/** An entry's identity and the text that shows its locked value. */
interface Entry {
  readonly name: string;
  readonly value: string;
}

/** The entries of a lock per kind. A deb's value is its version; the sha256 only shows when the version is the same. */
function entries(lock: Lock | undefined): Record<LockChange["kind"], Entry[]> {
  const arch = lock?.base.arch;
  return {
    deb: (lock?.debs ?? []).map((d) => ({ name: d.arch === arch || d.arch === "all" ? d.name : `${d.name}:${d.arch}`, value: `${d.version}\0${d.sha256}` })),
    wheel: (lock?.wheels ?? []).map((w) => ({ name: w.name, value: `${w.version}\0${w.sha256}` })),
    checkout: (lock?.checkouts ?? []).map((c) => ({ name: c.name, value: `${c.revision}\0${c.sha256}` })),
  };
}

/** `version`, or `version (sha256 1a2b3c4d5e6f…)` when two values share the version. */
function show(value: string, other: string | undefined): string {
  const [v = "", sha = ""] = value.split("\0");
  return other !== undefined && other.split("\0")[0] === v ? `${v} (sha256 ${sha.slice(0, 12)}…)` : v;
}

/** Every entry added, removed or changed from `old` (undefined: no lock yet) to `next`, by kind then name. */
export function diffLocks(old: Lock | undefined, next: Lock): LockChange[] {
  const a = entries(old);
  const b = entries(next);
  const out: LockChange[] = [];
  for (const kind of ["deb", "wheel", "checkout"] as const) {
    const before = new Map(a[kind].map((e) => [e.name, e.value]));
    const after = new Map(b[kind].map((e) => [e.name, e.value]));
    for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const [x, y] = [before.get(name), after.get(name)];
      if (x === y) continue;
      out.push({ kind, name, ...(x !== undefined ? { from: show(x, y) } : {}), ...(y !== undefined ? { to: show(y, x) } : {}) });
    }
  }
  return out;
}

/** One line per change: `deb openssl 3.0.11-1 → 3.0.13-1`, `deb foo 1.0 (added)`, `wheel bar 2.0 (removed)`. */
export function formatChanges(changes: readonly LockChange[]): string[] {
  return changes.map((c) => {
    if (c.from === undefined) return `${c.kind} ${c.name} ${c.to} (added)`;
    if (c.to === undefined) return `${c.kind} ${c.name} ${c.from} (removed)`;
    return `${c.kind} ${c.name} ${c.from} → ${c.to}`;
  });
}

/** Names a change refers to, for matching `--update NAME`: the entry name without `:arch`. */
export function changeName(c: LockChange): string {
  return c.name.replace(/:.*$/, "");
}
