// Closure check: every dependency a pinned wheel declares (Requires-Dist whose marker holds for the
// target, extras followed transitively) must be met by a pin. Gaps are reported with their chain:
// `app==1.0 › requests==2.31.0 needs urllib3<3,>=1.21.1: not pinned`.
import { UserError } from "../errors.js";
import { evaluateMarkerNode, type MarkerEnvironment } from "./markers.js";
import type { DistMetadata } from "./metadata.js";
import { canonicalizeName } from "./names.js";
import { parseVersion, tryParseVersion, type Version } from "./pep440.js";
import { parseRequirement, type Requirement } from "./pep508.js";
import { pinMatchesVersion, pinSpec } from "./pin-version.js";
import { formatSpecifierSet, parseSpecifierSet, specifierSetContains } from "./specifier.js";
import type { Pin } from "./types.js";

export type ClosurePin = Pick<Pin, "name" | "version" | "arbitrary" | "extras" | "applies" | "file" | "line" | "marker">;

/** A pin that applies, with its version parsed (undefined: a `===` pin whose text is not PEP 440). */
type ActivePin = ClosurePin & { readonly parsed: Version | undefined };

export interface ClosureInput {
  readonly pins: readonly ClosurePin[];
  /** METADATA of each pinned wheel (matched to pins by normalised name). */
  readonly metadata: readonly DistMetadata[];
  readonly env: MarkerEnvironment;
}

export interface ClosureGap {
  /** Where the dependent is pinned. */
  readonly file: string;
  readonly line: number;
  /** From a top-level pin down to the dependent, e.g. ["app==1.0", "requests==2.31.0"]. */
  readonly chain: readonly string[];
  /** The unmet requirement as declared (normalised), e.g. "urllib3<3,>=1.21.1"; "" for a problem with the pin itself. */
  readonly requirement: string;
  readonly reason: string;
  /** The whole sentence: `chain › … needs requirement: reason`. */
  readonly message: string;
}

/** A gap before its chain is known: who needs what, and why it is unmet. */
interface RawGap {
  readonly from: string;
  readonly viaExtra: string;
  readonly requirement: string;
  readonly reason: string;
}

/** The state of one check. */
interface Walk {
  readonly env: MarkerEnvironment;
  readonly pins: Map<string, ActivePin>;
  readonly inactive: Map<string, ClosurePin>;
  readonly meta: Map<string, DistMetadata>;
  readonly parsed: Map<string, Requirement | Error>;
  /** Extras already expanded per pin ("" = the base requirements). */
  readonly done: Map<string, Set<string>>;
  /** Satisfied dependency edges, for the chains. */
  readonly edges: Map<string, Set<string>>;
  readonly gaps: RawGap[];
}

/** Parses a Requires-Dist value once. */
function requirementOf(w: Walk, text: string): Requirement | Error {
  let r = w.parsed.get(text);
  if (!r) {
    try {
      r = parseRequirement(text);
    } catch (e) {
      r = e as Error;
    }
    w.parsed.set(text, r);
  }
  return r;
}

/** Whether a requirement is active for `extra`: base ones for "", and for an extra only those its marker adds. */
function active(w: Walk, req: Requirement, extra: string): boolean {
  if (!req.marker) return extra === "";
  const base = evaluateMarkerNode(req.marker, { ...w.env, extra: "" });
  return extra === "" ? base : !base && evaluateMarkerNode(req.marker, { ...w.env, extra });
}

/** Why `req` is unmet, or undefined when a pin satisfies it. */
function unmet(w: Walk, req: Requirement): string | undefined {
  const name = canonicalizeName(req.name);
  const pin = w.pins.get(name);
  if (!pin) {
    const off = w.inactive.get(name);
    return off ? `pinned ${pinSpec(off)} only where ${off.marker ?? "?"}, which does not hold for the target` : "not pinned";
  }
  // A direct-reference dependency is met by any pin of that name (its hash pins the file). Pre-releases
  // match ranges here, as in pip's check of an already chosen candidate: an explicit pin is a decision.
  if (req.url !== undefined || meets(pin, req)) return undefined;
  return `pinned ${pinSpec(pin)} does not match`;
}

/** Whether a pin meets a requirement's clauses; a version that is not PEP 440 meets only `===` of its text. */
function meets(pin: ActivePin, req: Requirement): boolean {
  if (pin.parsed) return specifierSetContains(req.specifier, pin.parsed, { prereleases: true });
  return req.specifier.every((s) => s.operator === "===" && pinMatchesVersion({ version: s.version, arbitrary: true }, pin.version));
}

/** Expands one (pin, extra): checks each active requirement and queues what satisfied ones pull in. */
function expand(w: Walk, name: string, extra: string, queue: [string, string][]): void {
  const meta = w.meta.get(name);
  for (const text of meta?.requiresDist ?? []) {
    const req = requirementOf(w, text);
    const gap = (requirement: string, reason: string) => w.gaps.push({ from: name, viaExtra: extra, requirement, reason });
    if (req instanceof Error) {
      if (extra === "") gap(text, `cannot read it: ${req.message}`);
      continue;
    }
    let on: boolean;
    try {
      on = active(w, req, extra);
    } catch (e) {
      if (extra === "") gap(text, `cannot evaluate its marker: ${(e as Error).message}`);
      continue;
    }
    if (!on) continue;
    const shown = `${req.name}${req.extras.length ? `[${req.extras.join(",")}]` : ""}${req.url !== undefined ? ` @ ${req.url}` : formatSpecifierSet(req.specifier)}`;
    const why = unmet(w, req);
    if (why) {
      gap(shown, why);
      continue;
    }
    const dep = canonicalizeName(req.name);
    if (dep !== name) (w.edges.get(name) ?? w.edges.set(name, new Set()).get(name))?.add(dep);
    for (const e of ["", ...req.extras.map(canonicalizeName)]) queue.push([dep, e]);
  }
}

/** Problems with a pin itself: no METADATA, a different version inside, or a Python it cannot run on. */
function checkPinMetadata(w: Walk, pin: ActivePin): void {
  const meta = w.meta.get(pin.name);
  const gap = (reason: string): void => void w.gaps.push({ from: pin.name, viaExtra: "", requirement: "", reason });
  if (!meta) {
    gap("no METADATA was read for it (is its wheel in the wheelhouse?)");
    return;
  }
  if (!pinMatchesVersion(pin, meta.version)) gap(`its wheel's METADATA says version ${meta.version}`);
  if (meta.requiresPython) {
    try {
      const ok = specifierSetContains(parseSpecifierSet(meta.requiresPython), w.env.python_full_version, { prereleases: true });
      if (!ok) gap(`requires Python ${meta.requiresPython}, but the target has ${w.env.python_full_version}`);
    } catch (e) {
      gap(`cannot read Requires-Python '${meta.requiresPython}': ${(e as Error).message}`);
    }
  }
}

/** Shortest chain from a top-level pin (one nothing else depends on) to each pin. */
function chains(w: Walk, order: readonly string[]): Map<string, string[]> {
  const hasParent = new Set([...w.edges.values()].flatMap((s) => [...s]));
  const starts = [...order.filter((n) => !hasParent.has(n)), ...order];
  const chain = new Map<string, string[]>();
  const label = (n: string) => (w.pins.has(n) ? pinSpec(w.pins.get(n) as ActivePin) : `${n}==?`);
  for (const start of starts) {
    if (chain.has(start)) continue;
    chain.set(start, [label(start)]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const from = queue[i] as string;
      for (const to of w.edges.get(from) ?? []) {
        if (chain.has(to)) continue;
        chain.set(to, [...(chain.get(from) ?? []), label(to)]);
        queue.push(to);
      }
    }
  }
  return chain;
}

/** Finds every unmet dependency of the pins that apply to the target. */
export function findClosureGaps(input: ClosureInput): ClosureGap[] {
  const w: Walk = { env: input.env, pins: new Map(), inactive: new Map(), meta: new Map(), parsed: new Map(), done: new Map(), edges: new Map(), gaps: [] };
  for (const p of input.pins)
    p.applies ? w.pins.set(p.name, { ...p, parsed: p.arbitrary ? tryParseVersion(p.version) : parseVersion(p.version) }) : w.inactive.set(p.name, p);
  for (const m of input.metadata) w.meta.set(canonicalizeName(m.name), m);
  const queue: [string, string][] = [];
  for (const pin of w.pins.values()) {
    checkPinMetadata(w, pin);
    for (const e of ["", ...pin.extras]) queue.push([pin.name, e]);
  }
  for (let i = 0; i < queue.length; i++) {
    const [name, extra] = queue[i] as [string, string];
    const done = w.done.get(name) ?? w.done.set(name, new Set()).get(name);
    if (!done || done.has(extra)) continue;
    done.add(extra);
    expand(w, name, extra, queue);
  }
  const chainOf = chains(w, [...w.pins.keys()]);
  return w.gaps.map((g) => {
    const pin = w.pins.get(g.from);
    const chain = [...(chainOf.get(g.from) ?? [`${g.from}==?`])];
    if (g.viaExtra) chain[chain.length - 1] = pin ? pinSpec({ ...pin, name: `${g.from}[${g.viaExtra}]` }) : `${g.from}[${g.viaExtra}]==?`;
    const message = g.requirement ? `${chain.join(" › ")} needs ${g.requirement}: ${g.reason}` : `${chain.join(" › ")}: ${g.reason}`;
    return { file: pin?.file ?? "", line: pin?.line ?? 0, chain, requirement: g.requirement, reason: g.reason, message };
  });
}

/** Throws UserError listing every gap at the line of the pin that has it. */
export function checkClosure(input: ClosureInput): void {
  const gaps = findClosureGaps(input);
  if (!gaps.length) return;
  throw new UserError(
    gaps.map((g) => ({ file: g.file, line: g.line, message: g.message })),
    { hint: "pin every dependency the target needs: re-run pip-compile (with --generate-hashes) for this Python and platform" },
  );
}
