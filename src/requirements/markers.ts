// PEP 508 marker evaluation against a target environment (the image being baked, not this host).
import { parseMarker, type MarkerNode, type MarkerOp, type MarkerOperand } from "./marker-parse.js";
import { canonicalizeName } from "./names.js";
import { tryParseVersion } from "./pep440.js";
import { specifierContains, tryParseSpecifier, type Specifier } from "./specifier.js";
import { quoteInput } from "../util/quote.js";

export { parseMarker, formatMarker, InvalidMarker, MARKER_VARIABLES } from "./marker-parse.js";
export type { MarkerNode, MarkerOp, MarkerOperand, MarkerVariable } from "./marker-parse.js";

/** The values markers are evaluated against. `extra` is "" unless a specific extra is being evaluated. */
export interface MarkerEnvironment {
  readonly python_version: string;
  readonly python_full_version: string;
  readonly os_name: string;
  readonly sys_platform: string;
  readonly platform_release: string;
  readonly platform_system: string;
  readonly platform_version: string;
  readonly platform_machine: string;
  readonly platform_python_implementation: string;
  readonly implementation_name: string;
  readonly implementation_version: string;
  readonly extra?: string;
}

/** Thrown when a comparison has no meaning (`~=` or `===` between non-versions); packaging's UndefinedComparison. */
export class UndefinedComparison extends Error {
  constructor(left: string, op: MarkerOp, right: string) {
    super(`cannot evaluate ${quoteInput(left)} ${op} ${quoteInput(right)}: ${op} needs PEP 440 versions on both sides`);
    this.name = "UndefinedComparison";
  }
}

export interface TargetOptions {
  /** Full Python version of the target interpreter, e.g. "3.11.2" (Debian bookworm's python3). */
  readonly pythonVersion: string;
  /** `uname -m` of the target: x86_64, aarch64, ... */
  readonly machine: string;
  /**
   * Kernel release and version. Unknown when baking (a container runs on its host's kernel), so they
   * default to "" and markers on them compare as strings against "".
   */
  readonly platformRelease?: string;
  readonly platformVersion?: string;
}

/** A Debian-like Linux target running CPython, for evaluating markers at build time. */
export function targetEnvironment(opts: TargetOptions = { pythonVersion: "3.11.2", machine: "x86_64" }): MarkerEnvironment {
  const [major = "3", minor = "0"] = opts.pythonVersion.split(".");
  return {
    python_version: `${major}.${minor}`,
    python_full_version: opts.pythonVersion,
    os_name: "posix",
    sys_platform: "linux",
    platform_release: opts.platformRelease ?? "",
    platform_system: "Linux",
    platform_version: opts.platformVersion ?? "",
    platform_machine: opts.machine,
    platform_python_implementation: "CPython",
    implementation_name: "cpython",
    implementation_version: opts.pythonVersion,
    extra: "",
  };
}

/** Parses `op + rhs` as a specifier, or undefined when that is not one (then strings are compared). */
function asSpecifier(op: MarkerOp, rhs: string): Specifier | undefined {
  return op === "in" || op === "not in" ? undefined : tryParseSpecifier(`${op}${rhs}`);
}

/** One comparison: as PEP 440 versions when the right side makes a specifier and the left parses; else as strings. */
function compare(lhs: string, op: MarkerOp, rhs: string): boolean {
  const spec = asSpecifier(op, rhs);
  const version = spec ? tryParseVersion(lhs) : undefined;
  if (spec && version) return specifierContains(spec, version, { prereleases: true });
  switch (op) {
    case "in":
      return rhs.includes(lhs);
    case "not in":
      return !rhs.includes(lhs);
    case "==":
      return lhs === rhs;
    case "!=":
      return lhs !== rhs;
    case "<":
      return lhs < rhs;
    case "<=":
      return lhs <= rhs;
    case ">":
      return lhs > rhs;
    case ">=":
      return lhs >= rhs;
    default:
      throw new UndefinedComparison(lhs, op, rhs);
  }
}

/** Evaluates a parsed marker; extras are compared PEP 685-normalised. */
export function evaluateMarkerNode(node: MarkerNode, env: MarkerEnvironment): boolean {
  if (node.kind !== "cmp") {
    // Every item is evaluated (no short-circuit), as packaging does, so a bad comparison always fails.
    const values = node.items.map((n) => evaluateMarkerNode(n, env));
    return node.kind === "and" ? values.every(Boolean) : values.some(Boolean);
  }
  const isExtra = (o: MarkerOperand) => o.kind === "var" && o.name === "extra";
  const normalize = isExtra(node.left) || isExtra(node.right);
  const value = (o: MarkerOperand): string => {
    const v = o.kind === "str" ? o.value : o.name === "extra" ? (env.extra ?? "") : env[o.name];
    return normalize ? canonicalizeName(v) : v;
  };
  return compare(value(node.left), node.op, value(node.right));
}

/** Parses and evaluates marker text; throws InvalidMarker or UndefinedComparison. */
export function evaluateMarker(marker: string | MarkerNode, env: MarkerEnvironment): boolean {
  return evaluateMarkerNode(typeof marker === "string" ? parseMarker(marker) : marker, env);
}
