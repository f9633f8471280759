// Set-ups that several integration files need and that cost a minute each (a mmdebstrap rootfs): made
// once per `vitest run` in the run directory (test/support/global-setup.ts) and copied out per file.
// Files run one at a time, so no lock is needed; each artifact is written aside and renamed in place.
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { inject } from "vitest";
import { run } from "../../src/exec/run.js";

/** The run directory, or undefined outside a vitest run with the global set-up. */
function runDir(): string | undefined {
  try {
    return inject("runDir");
  } catch {
    return undefined;
  }
}

// GNU tar flags that keep what mmdebstrap made: owners by number, modes, xattrs and capabilities.
const KEEP = ["--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls"];

/**
 * Fills `dir` with a mmdebstrap bookworm tree made with `args` (e.g. `["--variant=minbase",
 * "--include=…"]`), building it only the first time a run asks for these args.
 */
export async function sharedMmdebstrap(dir: string, args: readonly string[]): Promise<void> {
  const build = (into: string): Promise<unknown> =>
    run(["mmdebstrap", "--quiet", ...args, "bookworm", into, "/etc/apt/sources.list.d/debian.sources"], { timeoutMs: 900_000 });
  const shared = runDir();
  if (!shared) {
    await build(dir);
    return;
  }
  const key = args.join(" ").replace(/[^A-Za-z0-9,=.-]+/g, "_");
  const tar = join(shared, `mmdebstrap-${key}.tar`);
  if (!existsSync(tar)) {
    const part = `${tar.slice(0, -4)}.part.tar`; // mmdebstrap picks its output format by the extension
    await build(part);
    await rename(part, tar);
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await run(["tar", "-x", "-p", ...KEEP, "-f", tar, "-C", dir]);
}
