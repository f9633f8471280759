// What changed between two images: packages (debs, Python), checkouts and files. Pure: it compares two
// manifests and two file indexes, so the rules are unit-tested without a store.
import type { IndexEntry } from "../archive/types.js";
import { byteOrder } from "./manifest.js";
import type { Manifest } from "./types.js";

export interface VersionChange {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  /** "upgrade"/"downgrade" by the package type's version order, "changed" when it cannot tell. */
  readonly direction: "upgrade" | "downgrade" | "changed";
}

export interface PackageDiff {
  readonly added: readonly { readonly name: string; readonly version: string }[];
  readonly removed: readonly { readonly name: string; readonly version: string }[];
  readonly changed: readonly VersionChange[];
}

export interface CheckoutChange {
  readonly name: string;
  /** Which of revision, url, kind, dest differ. */
  readonly fields: readonly string[];
  readonly from: string;
  readonly to: string;
}

export interface FileChange {
  readonly path: string;
  /** Which of type, content, target, mode, owner differ. */
  readonly fields: readonly string[];
}

export interface ImageDiff {
  readonly from: string;
  readonly to: string;
  readonly debs: PackageDiff;
  readonly python: PackageDiff;
  readonly checkouts: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly changed: readonly CheckoutChange[];
  };
  readonly files: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly changed: readonly FileChange[];
  };
}

/** Compares two version strings: <0, 0, >0. May throw on a version it cannot parse. */
export type VersionOrder = (a: string, b: string) => number;

export interface DiffInput {
  readonly a: Manifest;
  readonly b: Manifest;
  readonly aFiles: readonly IndexEntry[];
  readonly bFiles: readonly IndexEntry[];
  /** Debian version order (dpkg's); without it a deb change has no direction. */
  readonly debOrder?: VersionOrder;
  /** PEP 440 version order; without it a Python change has no direction. */
  readonly pythonOrder?: VersionOrder;
}

/** Direction of a version change under `order` ("changed" if there is no order or it cannot parse). */
function direction(from: string, to: string, order: VersionOrder | undefined): VersionChange["direction"] {
  if (!order) return "changed";
  try {
    const c = order(from, to);
    return c < 0 ? "upgrade" : c > 0 ? "downgrade" : "changed";
  } catch {
    return "changed";
  }
}

/** Added/removed/changed between two name → version maps. */
function diffVersions(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>, order: VersionOrder | undefined): PackageDiff {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort(byteOrder);
  const added: { name: string; version: string }[] = [];
  const removed: { name: string; version: string }[] = [];
  const changed: VersionChange[] = [];
  for (const name of names) {
    const from = a.get(name);
    const to = b.get(name);
    if (from === undefined && to !== undefined) added.push({ name, version: to });
    else if (to === undefined && from !== undefined) removed.push({ name, version: from });
    else if (from !== undefined && to !== undefined && from !== to) changed.push({ name, from, to, direction: direction(from, to, order) });
  }
  return { added, removed, changed };
}

/** Debs keyed by name, plus ":arch" for foreign-architecture ones (so any ↔ all moves are a version change). */
function debMap(m: Manifest): Map<string, string> {
  return new Map(m.debs.map((d) => [d.arch === m.arch || d.arch === "all" ? d.name : `${d.name}:${d.arch}`, d.version]));
}

/** Checkouts added, removed, or changed in revision, url, kind or destination. */
function diffCheckouts(a: Manifest, b: Manifest): ImageDiff["checkouts"] {
  const am = new Map(a.checkouts.map((c) => [c.name, c]));
  const bm = new Map(b.checkouts.map((c) => [c.name, c]));
  const changed: CheckoutChange[] = [];
  for (const [name, x] of am) {
    const y = bm.get(name);
    if (!y) continue;
    const fields = (["revision", "url", "kind", "dest"] as const).filter((k) => x[k] !== y[k]);
    if (fields.length) changed.push({ name, fields, from: x.revision, to: y.revision });
  }
  return {
    added: [...bm.keys()].filter((n) => !am.has(n)).sort(byteOrder),
    removed: [...am.keys()].filter((n) => !bm.has(n)).sort(byteOrder),
    changed: changed.sort((x, y) => byteOrder(x.name, y.name)),
  };
}

/** Which attributes of a file index entry differ. */
function fileFields(x: IndexEntry, y: IndexEntry): string[] {
  const fields: string[] = [];
  if (x.type !== y.type) fields.push("type");
  else if (x.digest !== y.digest) fields.push(x.type === "symlink" || x.type === "hardlink" ? "target" : "content");
  if (x.mode !== y.mode) fields.push("mode");
  if (x.uid !== y.uid || x.gid !== y.gid) fields.push("owner");
  return fields;
}

/** Files added, removed, or changed in type, content, link target, mode or owner. */
function diffFiles(a: readonly IndexEntry[], b: readonly IndexEntry[]): ImageDiff["files"] {
  const am = new Map(a.map((e) => [e.path, e]));
  const bm = new Map(b.map((e) => [e.path, e]));
  const changed: FileChange[] = [];
  for (const [path, x] of am) {
    const y = bm.get(path);
    const fields = y ? fileFields(x, y) : [];
    if (fields.length) changed.push({ path, fields });
  }
  return {
    added: [...bm.keys()].filter((p) => !am.has(p)).sort(byteOrder),
    removed: [...am.keys()].filter((p) => !bm.has(p)).sort(byteOrder),
    changed: changed.sort((x, y) => byteOrder(x.path, y.path)),
  };
}

/** The whole difference from image a to image b. */
export function diffImages(input: DiffInput): ImageDiff {
  const { a, b } = input;
  return {
    from: a.image,
    to: b.image,
    debs: diffVersions(debMap(a), debMap(b), input.debOrder),
    python: diffVersions(new Map(a.python.map((p) => [p.name, p.version])), new Map(b.python.map((p) => [p.name, p.version])), input.pythonOrder),
    checkouts: diffCheckouts(a, b),
    files: diffFiles(input.aFiles, input.bFiles),
  };
}
