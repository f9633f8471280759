// Integration runs share expensive, read-only inputs between files: a run directory made once here and
// removed at the end (`inject("runDir")` in a test). See test/support/shared.ts for what lives there.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  interface ProvidedContext {
    /** A directory that lives for one `vitest run`: shared set-ups built once, reused by every file. */
    runDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), "kiln-test-run-"));
  project.provide("runDir", dir);
  return () => rm(dir, { recursive: true, force: true });
}
