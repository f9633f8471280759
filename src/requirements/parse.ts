// The whole pip-compile format: lines, options, -r/-c includes (relative to the including file,
// cycles refused) and exact pins. Every problem in every file is reported at once.
import { dirname, isAbsolute, join, normalize } from "node:path";
import { UserError, type Problem } from "../errors.js";
import { sha256Hex } from "../util/hash.js";
import { checkPins } from "./checks.js";
import { logicalLines, optionWords, parseOptions, splitArgsOptions, type ParsedOption } from "./lines.js";
import { targetEnvironment, type MarkerEnvironment } from "./markers.js";
import { PIN_HINT, readPinLine } from "./pin-line.js";
import type { Pin, Requirements } from "./types.js";
import { quoteInput } from "../util/quote.js";

/** Reads an included file's text (path as resolved against the including file); throws if it cannot. */
export type ReadInclude = (path: string) => string;

export interface ParseOptions {
  /** Target environment for markers; default: `targetEnvironment()` (CPython 3.11.2, x86_64). */
  readonly env?: MarkerEnvironment;
}

/** Everything gathered while walking the files. */
interface Walk {
  readonly env: MarkerEnvironment;
  readonly read: ReadInclude | undefined;
  readonly problems: Problem[];
  readonly pins: Pin[];
  readonly constraints: Pin[];
  readonly options: string[];
  /** Files already read, per kind, so that a file included twice (not in a cycle) is read once. */
  readonly seen: Set<string>;
  /** Files in the order they were walked, to report problems in that order. */
  readonly order: Map<string, number>;
}

/** Handles an option-only line: includes are followed, -e is refused, the rest recorded. */
function optionLine(w: Walk, opts: readonly ParsedOption[], at: { file: string; line: number; stack: readonly string[] }): void {
  for (const o of opts) {
    if (o.name === "--requirement" || o.name === "--constraint") {
      include(w, o, at);
    } else if (o.name === "--editable") {
      w.problems.push({ ...at, message: `-e ${quoteInput(o.value ?? "")}: editable installs are not pins; build a wheel and ${PIN_HINT}` });
    } else if (o.name === "--hash" || o.name === "--global-option" || o.name === "--config-settings") {
      w.problems.push({ ...at, message: `${o.name} belongs after a requirement on the same line` });
    } else {
      w.options.push(o.value === undefined ? o.name : `${o.name}=${o.value}`);
    }
  }
}

/** Follows `-r`/`-c`: resolves the path against the including file and parses it, refusing cycles. */
function include(w: Walk, o: ParsedOption, at: { file: string; line: number; stack: readonly string[] }): void {
  const flag = o.name === "--constraint" ? "-c" : "-r";
  const target = o.value ?? "";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    w.problems.push({
      file: at.file,
      line: at.line,
      message: `${flag} ${quoteInput(target)}: includes must be local files; download it next to ${quoteInput(at.file)}`,
    });
    return;
  }
  const path = normalize(isAbsolute(target) ? target : join(dirname(at.file), target));
  if (at.stack.includes(path)) {
    const cycle = [...at.stack.slice(at.stack.indexOf(path)), path].map((p) => quoteInput(p)).join(" → ");
    w.problems.push({ file: at.file, line: at.line, message: `${flag} ${quoteInput(target)} makes an include cycle (${cycle}); remove one of the includes` });
    return;
  }
  const key = `${flag} ${path}`;
  if (w.seen.has(key)) return;
  w.seen.add(key);
  let text: string;
  try {
    if (!w.read) throw new Error("includes are not available here");
    text = w.read(path);
  } catch (e) {
    w.problems.push({
      file: at.file,
      line: at.line,
      message: `${flag} ${quoteInput(target)}: cannot read ${quoteInput(path)} (${(e as NodeJS.ErrnoException).code ?? quoteInput((e as Error).message)})`,
    });
    return;
  }
  walkFile(w, { text, file: path, constraint: flag === "-c", stack: [...at.stack, path] });
}

/** Parses one file's lines into pins, options and includes. */
function walkFile(w: Walk, f: { text: string; file: string; constraint: boolean; stack: readonly string[] }): void {
  if (!w.order.has(f.file)) w.order.set(f.file, w.order.size);
  for (const { line, text } of logicalLines(f.text)) {
    const { args, options } = splitArgsOptions(text);
    const parsed = parseOptions(optionWords(options));
    for (const message of parsed.errors) w.problems.push({ file: f.file, line, message: `${message} (see pip's requirements file format)` });
    if (!args) {
      optionLine(w, parsed.options, { file: f.file, line, stack: f.stack });
      continue;
    }
    const r = readPinLine({ args, options: parsed.options, file: f.file, line, env: w.env });
    for (const message of r.problems) w.problems.push({ file: f.file, line, message });
    if (r.pin) (f.constraint ? w.constraints : w.pins).push(r.pin);
  }
}

/** Parses requirements text (`file` names it in messages and anchors includes); throws UserError listing every problem. */
export function parseRequirementsText(text: string, file: string, readInclude?: ReadInclude, opts: ParseOptions = {}): Requirements {
  const w: Walk = {
    env: opts.env ?? targetEnvironment(),
    read: readInclude,
    problems: [],
    pins: [],
    constraints: [],
    options: [],
    seen: new Set(),
    order: new Map(),
  };
  walkFile(w, { text, file, constraint: false, stack: [normalize(file)] });
  const checked = checkPins(w.pins, w.constraints, w.options);
  const problems = [...w.problems, ...checked.problems];
  if (problems.length) throw new UserError(sortProblems(problems, w.order));
  return { file, pins: checked.pins, options: w.options, sha256: sha256Hex(text) };
}

/** Orders problems by file (top file first, then includes as they were reached) and line. */
function sortProblems(problems: readonly Problem[], order: ReadonlyMap<string, number>): Problem[] {
  const rank = (p: Problem) => order.get(p.file ?? "") ?? order.size;
  return [...problems].sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0));
}
