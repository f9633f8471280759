// One requirement line → one exact Pin, or the reasons it is not one (each with the fix).
import type { ParsedOption } from "./lines.js";
import { evaluateMarkerNode, type MarkerEnvironment } from "./markers.js";
import { canonicalizeName } from "./names.js";
import { normalizeVersion, tryParseVersion } from "./pep440.js";
import { parseRequirement, type Requirement } from "./pep508.js";
import { ARBITRARY_VERSION_RE } from "./pin-version.js";
import type { Pin } from "./types.js";
import { quoteInput } from "../util/quote.js";

/** The remedy every "not a pin" message ends with. */
export const PIN_HINT = "pin an exact version with == (pip-compile writes these)";

export interface PinLine {
  /** The requirement part of the line (before the first option). */
  readonly args: string;
  readonly options: readonly ParsedOption[];
  readonly file: string;
  readonly line: number;
  readonly env: MarkerEnvironment;
}

/** Reads `--hash=sha256:HEX` options into hex digests, collecting what is wrong with the others. */
function readHashes(options: readonly ParsedOption[], problems: string[]): string[] {
  const hashes: string[] = [];
  for (const o of options) {
    if (o.name !== "--hash") {
      problems.push(
        ["--global-option", "--config-settings"].includes(o.name)
          ? `${o.name} is not supported: kiln installs prebuilt wheels and runs no builds; remove it`
          : `${o.name} must be on a line of its own, not after a requirement`,
      );
      continue;
    }
    const [alg, hex = ""] = (o.value ?? "").split(":", 2);
    if (alg !== "sha256") problems.push(`${quoteInput(`--hash=${o.value ?? ""}`)}: kiln checks files by sha256; regenerate with pip-compile --generate-hashes`);
    else if (!/^[0-9a-fA-F]{64}$/.test(hex)) problems.push(`${quoteInput(`--hash=${o.value ?? ""}`)}: a sha256 digest is 64 hex digits`);
    else hashes.push(hex.toLowerCase());
  }
  return [...new Set(hashes)];
}

/** The version of a wheel URL (from its file name), or a problem when the URL is not usable. */
function directReferenceVersion(req: Requirement, hashes: readonly string[]): { version?: string; problem?: string } {
  const where = `${req.name} @ ${quoteInput(req.url ?? "")}`;
  if (!hashes.length) return { problem: `${where} is a direct reference without a hash: add --hash=sha256:<digest of the file>, or ${PIN_HINT}` };
  const file = decodeURIComponent((req.url ?? "").split(/[?#]/)[0]?.split("/").pop() ?? "");
  const parts = file.endsWith(".whl") ? file.slice(0, -4).split("-") : [];
  if (parts.length !== 5 && parts.length !== 6)
    return { problem: `${where} does not point at a wheel (.whl): kiln installs wheels only; build one and pin it` };
  if (canonicalizeName(parts[0] as string) !== canonicalizeName(req.name))
    return { problem: `${where}: the wheel is for ${quoteInput(parts[0])}, not ${req.name}` };
  const version = tryParseVersion((parts[1] as string).replace(/_/g, "-"));
  return version
    ? { version: normalizeVersion((parts[1] as string).replace(/_/g, "-")) }
    : { problem: `${where}: the wheel's version ${quoteInput(parts[1])} is not PEP 440` };
}

/** The exact version of a `name==V` or `name===V` requirement, or the problem with it. */
function exactVersion(req: Requirement): { version?: string; arbitrary?: true; problem?: string } {
  const spec = req.specifier;
  const first = spec[0];
  if (!first) return { problem: `${req.name} has no version: ${PIN_HINT}, e.g. ${req.name}==1.2.3` };
  if (spec.length > 1) return { problem: `${req.name}${quoteInput(req.specifierText)} has several version clauses: ${PIN_HINT}` };
  if (first.operator === "===") return arbitraryVersion(req.name, first.version);
  if (first.operator !== "==") return { problem: `${req.name}${first.operator}${first.version} is not an exact pin: ${PIN_HINT}` };
  if (first.version.endsWith(".*")) return { problem: `${req.name}==${first.version} is a wildcard, not an exact pin: ${PIN_HINT}` };
  return { version: normalizeVersion(first.version) };
}

/** A `===V` pin (arbitrary equality): exact by its text, which must be made of version characters. */
function arbitraryVersion(name: string, version: string): { version?: string; arbitrary?: true; problem?: string } {
  if (ARBITRARY_VERSION_RE.test(version)) return { version, arbitrary: true };
  return { problem: `${name}===${quoteInput(version)}: an arbitrary-equality version must be letters, digits and . _ + ! - only; ${PIN_HINT}` };
}

/** Whether the marker holds for the target; a marker that cannot be evaluated is a problem. */
function applies(req: Requirement, env: MarkerEnvironment, problems: string[]): boolean {
  if (!req.marker) return true;
  try {
    return evaluateMarkerNode(req.marker, env);
  } catch (e) {
    problems.push(`marker ${quoteInput(req.markerText ?? "")}: ${(e as Error).message}`);
    return false;
  }
}

/** Turns one requirement line into a Pin, or returns every problem with it. */
export function readPinLine(input: PinLine): { pin?: Pin; problems: string[] } {
  const problems: string[] = [];
  if (/^([a-z][a-z0-9+.-]*:|[./~\\])/i.test(input.args)) {
    return { problems: [`${quoteInput(input.args)} is a URL or path, not a pin: ${PIN_HINT}, or write 'name @ URL' with --hash=sha256:…`] };
  }
  let req: Requirement;
  try {
    req = parseRequirement(input.args);
  } catch (e) {
    return { problems: [`${(e as Error).message}: ${PIN_HINT}`] };
  }
  const hashes = readHashes(input.options, problems);
  const exact: { version?: string; arbitrary?: true; problem?: string } = req.url !== undefined ? directReferenceVersion(req, hashes) : exactVersion(req);
  const { version, problem } = exact;
  if (problem) problems.push(problem);
  const holds = applies(req, input.env, problems);
  if (problems.length || version === undefined) return { problems };
  const pin: Pin = {
    name: canonicalizeName(req.name),
    version,
    ...(exact.arbitrary ? { arbitrary: true as const } : {}),
    extras: [...new Set(req.extras.map(canonicalizeName))].sort(),
    ...(req.markerText !== undefined ? { marker: req.markerText } : {}),
    applies: holds,
    hashes,
    ...(req.url !== undefined ? { url: req.url } : {}),
    file: input.file,
    line: input.line,
  };
  return { pin, problems };
}
