// Checks across pins: one version per package, agreement with constraints, and pip's hash rule
// (once any pin has a hash, every pin needs one: --require-hashes is all or nothing).
import type { Problem } from "../errors.js";
import { pinOperator, pinSpec, samePinVersion } from "./pin-version.js";
import type { Pin } from "./types.js";

/** `file:line` of a pin, for messages that point at another line. */
function where(p: Pin): string {
  return `${p.file}:${p.line}`;
}

/** Merges a repeated pin of the same version into the first: extras united, hashes intersected. */
function merge(first: Pin, again: Pin, problems: Problem[]): Pin {
  const extras = [...new Set([...first.extras, ...again.extras])].sort();
  let hashes = first.hashes;
  if (first.hashes.length && again.hashes.length) {
    hashes = first.hashes.filter((h) => again.hashes.includes(h));
    if (!hashes.length)
      problems.push({
        file: again.file,
        line: again.line,
        message: `${pinSpec(again)} is also pinned at ${where(first)} with no --hash in common; keep one set of hashes`,
      });
  } else if (again.hashes.length) {
    hashes = again.hashes;
  }
  return { ...first, extras, hashes };
}

/** Collapses repeats and reports packages pinned at two versions (among pins that apply to the target). */
function dedupe(pins: readonly Pin[], problems: Problem[]): Pin[] {
  const out: Pin[] = [];
  const index = new Map<string, number>();
  for (const pin of pins) {
    const key = `${pin.name}\0${pin.applies}`;
    const at = index.get(key);
    const prev = at === undefined ? undefined : out[at];
    if (at === undefined || !prev) {
      index.set(key, out.length);
      out.push(pin);
    } else if (samePinVersion(prev, pin) && (prev.url ?? "") === (pin.url ?? "")) {
      out[at] = merge(prev, pin, problems);
    } else if (pin.applies) {
      problems.push({
        file: pin.file,
        line: pin.line,
        message: `${pin.name} is pinned twice: ${pinOperator(pin)}${pin.version} here and ${pinOperator(prev)}${prev.version} at ${where(prev)}; keep one pin (re-run pip-compile)`,
      });
    } else {
      out.push(pin);
    }
  }
  return out;
}

/** Requirements must agree with constraints (-c files) on the version, as pip would enforce. */
function checkConstraints(pins: readonly Pin[], constraints: readonly Pin[], problems: Problem[]): void {
  for (const c of constraints.filter((x) => x.applies)) {
    for (const p of pins.filter((x) => x.applies && x.name === c.name)) {
      if (!samePinVersion(p, c)) {
        problems.push({ file: p.file, line: p.line, message: `${pinSpec(p)} conflicts with the constraint ${pinSpec(c)} at ${where(c)}; make them agree` });
      }
    }
  }
}

/** pip's hash-checking mode: when any pin (or --require-hashes) asks for hashes, every pin that applies needs one. */
function checkHashes(pins: readonly Pin[], options: readonly string[], problems: Problem[]): void {
  const hashed = pins.filter((p) => p.hashes.length);
  if (!hashed.length && !options.includes("--require-hashes")) return;
  const why = hashed[0] ? `${hashed[0].name} at ${where(hashed[0])} has one` : "--require-hashes is set";
  for (const p of pins) {
    if (p.applies && !p.hashes.length) {
      problems.push({
        file: p.file,
        line: p.line,
        message: `${pinSpec(p)} has no --hash, but ${why}: hashes are all or nothing; regenerate with pip-compile --generate-hashes`,
      });
    }
  }
}

/** Runs every cross-pin check; returns the pins with repeats merged and the problems found. */
export function checkPins(pins: readonly Pin[], constraints: readonly Pin[], options: readonly string[]): { pins: Pin[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const unique = dedupe(pins, problems);
  checkConstraints(unique, constraints, problems);
  checkHashes(unique, options, problems);
  return { pins: unique, problems };
}
