// PEP 508 dependency specifiers: `name[extra1,extra2] (>=1.0,<2) ; marker` or `name @ URL ; marker`.
// Used for pip requirement lines and for wheel METADATA's Requires-Dist.
import { parseMarker, type MarkerNode } from "./marker-parse.js";
import { isValidName } from "./names.js";
import { parseSpecifierSet, type SpecifierSet } from "./specifier.js";
import { quoteInput } from "../util/quote.js";

export interface Requirement {
  /** The name as written (not normalised). */
  readonly name: string;
  readonly extras: readonly string[];
  readonly specifier: SpecifierSet;
  /** The specifier text as written, without parentheses (e.g. ">=1.0,<2"). */
  readonly specifierText: string;
  /** Direct reference (`name @ URL`). */
  readonly url?: string;
  readonly marker?: MarkerNode;
  /** The marker text as written after ";". */
  readonly markerText?: string;
}

/** Thrown for text that is not a PEP 508 requirement. */
export class InvalidRequirement extends Error {
  constructor(text: string, why: string) {
    super(`invalid requirement ${quoteInput(text)}: ${why}`);
    this.name = "InvalidRequirement";
  }
}

/** Splits "name[extras]" off the front; returns the rest of the text. */
function parseHead(text: string): { name: string; extras: string[]; rest: string } {
  const m = /^[ \t]*([a-zA-Z0-9][a-zA-Z0-9._-]*)\b[ \t]*/.exec(text);
  if (!m || !isValidName(m[1] as string)) throw new InvalidRequirement(text, "expected a package name (letters, digits, '.', '_', '-') at the start");
  let rest = text.slice(m[0].length);
  let extras: string[] = [];
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) throw new InvalidRequirement(text, "expected ] after the extras");
    const inner = rest.slice(1, close).trim();
    extras = inner === "" ? [] : inner.split(",").map((e) => e.trim());
    if (extras.some((e) => !isValidName(e))) throw new InvalidRequirement(text, "extras must be names separated by commas");
    rest = rest.slice(close + 1).replace(/^[ \t]+/, "");
  }
  return { name: m[1] as string, extras, rest };
}

/** Parses marker text, rewrapping its error as an InvalidRequirement. */
function markerOf(text: string, markerText: string): MarkerNode {
  try {
    return parseMarker(markerText);
  } catch (e) {
    throw new InvalidRequirement(text, (e as Error).message);
  }
}

/** Parses one PEP 508 requirement; throws InvalidRequirement. */
export function parseRequirement(text: string): Requirement {
  const { name, extras, rest } = parseHead(text);
  if (rest.startsWith("@")) {
    const m = /^@[ \t]*([^ \t]+)(?:[ \t]+;(.*))?[ \t]*$/.exec(rest);
    if (!m) throw new InvalidRequirement(text, "expected a URL after @, then optionally ' ; marker'");
    const markerText = m[2]?.trim();
    return {
      name,
      extras,
      specifier: [],
      specifierText: "",
      url: m[1] as string,
      ...(markerText !== undefined ? { marker: markerOf(text, markerText), markerText } : {}),
    };
  }
  const semi = rest.indexOf(";");
  let specText = (semi < 0 ? rest : rest.slice(0, semi)).trim();
  if (specText.startsWith("(")) {
    if (!specText.endsWith(")")) throw new InvalidRequirement(text, "expected ) after the version specifier");
    specText = specText.slice(1, -1).trim();
  }
  let specifier: SpecifierSet;
  try {
    specifier = parseSpecifierSet(specText);
  } catch (e) {
    throw new InvalidRequirement(text, (e as Error).message);
  }
  const markerText = semi < 0 ? undefined : rest.slice(semi + 1).trim();
  return {
    name,
    extras,
    specifier,
    specifierText: specText.replace(/\s+/g, ""),
    ...(markerText !== undefined ? { marker: markerOf(text, markerText), markerText } : {}),
  };
}
