// The rules every subprocess kiln runs follows, whichever way it is started (run.ts re-exports all of
// it): the minimal environment, argv rendering for logs, failure messages, PATH lookup.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { ToolError } from "../errors.js";

export interface RunOptions {
  readonly cwd?: string;
  /** Extra environment on top of the minimal one (LANG, PATH, DEBIAN_FRONTEND). */
  readonly env?: Readonly<Record<string, string>>;
  /** Bytes or text for stdin; without it stdin is closed. */
  readonly input?: string | Buffer;
  /** Do not throw on a non-zero exit; the caller reads `exitCode`. */
  readonly allowFailure?: boolean;
  /** Kill after this many milliseconds (SIGKILL), failing with a clear message. */
  readonly timeoutMs?: number;
  /** Pass stdout/stderr through to ours (for long tools whose output the user wants to see). */
  readonly inherit?: boolean;
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment every tool runs with: nothing from the caller leaks in except PATH. */
export function baseEnv(extra?: Readonly<Record<string, string>>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    DEBIAN_FRONTEND: "noninteractive",
    HOME: process.env.HOME ?? "/root",
    ...extra,
  };
}

/** Shell-style rendering of argv, for logs and error messages only (never executed). */
export function showArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** Last few lines of a tool's stderr, to put in an error message. */
function tail(text: string, lines = 15): string {
  const all = text.trimEnd().split("\n");
  return all.slice(-lines).join("\n");
}

/** How a process failed, as describeFailure() says it. */
export interface ProcessFailure {
  readonly exitCode?: number;
  readonly signal?: string;
  readonly timedOut?: boolean;
  readonly stderr?: string;
  /** errno of a process that could not start (ENOENT: not installed). */
  readonly code?: string;
}

/** Describes why a process failed: killed by signal, not found, timed out, or exit N. */
export function describeFailure(argv: readonly string[], r: ProcessFailure): string {
  const cmd = argv[0] ?? "?";
  let why: string;
  if (r.code === "ENOENT" || r.exitCode === 127) why = `not found (exit 127): is ${cmd} installed and on PATH?`;
  else if (r.timedOut) why = "timed out and was killed";
  else if (r.signal) why = `killed by signal ${r.signal}`;
  else why = `exit ${r.exitCode}`;
  const err = r.stderr ? `\n${tail(r.stderr)}` : "";
  return `${showArgv(argv)}: ${why}${err}`;
}

/** Finds an executable on PATH (plus the sbin dirs, which root tools live in); undefined if absent. */
export function which(tool: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin"];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, tool);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

/**
 * Preflight: fails before any work with "could not find 'X', which is required to REASON" and a hint.
 */
export function checkTool(tool: string, reason: string, hint?: string): string {
  const p = which(tool);
  if (!p) {
    throw new ToolError(`could not find '${tool}', which is required to ${reason}${hint ? `\nhint: ${hint}` : ""}`);
  }
  return p;
}
