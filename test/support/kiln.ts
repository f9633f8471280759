// Runs the BUILT kiln CLI (dist/src/main.js) the way a user does, for integration tests.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { run, type RunResult } from "../../src/exec/run.js";

export const repoRoot = resolve(__dirname, "../..");
export const cliPath = join(repoRoot, "dist/src/main.js");

/** Builds dist/ when it is missing (make test builds it first; a lone vitest run may not have). */
export async function ensureBuilt(): Promise<void> {
  if (!existsSync(cliPath)) await run(["npx", "tsc", "-p", "tsconfig.json"], { cwd: repoRoot });
}

/** Runs `kiln ARGS` in `cwd`; never throws on a non-zero exit. */
export function kiln(
  args: readonly string[],
  o: { readonly cwd: string; readonly env?: Record<string, string>; readonly wrap?: readonly string[] },
): Promise<RunResult> {
  return run([...(o.wrap ?? []), process.execPath, cliPath, ...args], { allowFailure: true, cwd: o.cwd, env: o.env, timeoutMs: 1_200_000 });
}
