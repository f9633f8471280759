// The handful of error classes kiln uses, and the exit code each maps to.
// main.ts is the only place that turns them into exit codes; everything else throws.
import { safeLine } from "./util/quote.js";

/** Exit codes of every kiln command (ARCHITECTURE.md, "CLI"). */
export const ExitCode = {
  ok: 0,
  /** A check, verification or deploy gate failed. */
  failed: 1,
  /** Bad input: recipe, pins, inventory, arguments. Nothing was written. */
  badInput: 2,
  /** A tool or the environment failed (missing binary, tool exit != 0, I/O). */
  tool: 3,
} as const;

/** One problem found in user input, located as precisely as we can. */
export interface Problem {
  /** File the problem is in (relative to the working directory where possible). */
  readonly file?: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** Dotted key path inside a structured file, e.g. `checkout[1].url`. */
  readonly key?: string;
  readonly message: string;
}

/** A file name or key path (both may come from input) made safe to print: controls escaped, cut when very long. */
function shownPart(s: string): string {
  const t = safeLine(s).replace(/\n/g, "\\n");
  return t.length > 200 ? `${t.slice(0, 200)}… (${t.length} characters)` : t;
}

/**
 * Formats a problem as `file:line: key: message` (parts that are unknown are left out). Values in
 * messages are quoted with quoteInput() where they are written; this is the net for what slips by:
 * no control character reaches the terminal.
 */
export function formatProblem(p: Problem): string {
  const where = [p.file && (p.line ? `${shownPart(p.file)}:${p.line}` : shownPart(p.file)), p.key && shownPart(p.key)].filter(Boolean).join(": ");
  const message = safeLine(p.message);
  return where ? `${where}: ${message}` : message;
}

/** Base class: every kiln error carries the exit code it maps to. */
export abstract class KilnError extends Error {
  abstract readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad user input (exit 2). Collects every problem so the user fixes them all in one go. */
export class UserError extends KilnError {
  readonly exitCode = ExitCode.badInput;
  readonly problems: readonly Problem[];
  constructor(problems: string | Problem | readonly Problem[], options?: { cause?: unknown; hint?: string }) {
    const list: Problem[] = typeof problems === "string" ? [{ message: problems }] : Array.isArray(problems) ? [...problems] : [problems as Problem];
    const body = list.map(formatProblem).join("\n");
    super(options?.hint ? `${body}\n${options.hint}` : body, options);
    this.problems = list;
  }
}

/** A check, verify or health gate failed (exit 1). The message lists what failed. */
export class CheckFailed extends KilnError {
  readonly exitCode = ExitCode.failed;
}

/** A tool or environment failure (exit 3): a subprocess failed, a binary is missing, disk I/O failed. */
export class ToolError extends KilnError {
  readonly exitCode = ExitCode.tool;
}

/**
 * A bug in kiln, caught before it did harm: e.g. a config writer handed a value the input checks should
 * have refused. Not a KilnError on purpose: main.ts reports it as an internal error.
 */
export class InternalError extends Error {
  constructor(message: string) {
    super(`internal: ${message}`);
    this.name = "InternalError";
  }
}

/**
 * Prefixes an error's message with a step name on the way up, keeping its class and exit code:
 * `bake › pip layer › installing katcp==0.9.3: hash mismatch`.
 */
export function inStep<T>(step: string, fn: () => Promise<T>): Promise<T> {
  return fn().catch((e: unknown) => {
    throw withStep(step, e);
  });
}

/** Same as inStep, for an error already caught. */
export function withStep(step: string, e: unknown): unknown {
  // An internal error stays one (exit 70, "a bug in kiln"), not a tool failure.
  if (e instanceof KilnError || e instanceof InternalError) {
    e.message = `${step} › ${e.message}`;
    return e;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return new ToolError(`${step} › ${err.message}`, { cause: err });
}
