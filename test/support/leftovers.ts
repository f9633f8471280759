// What a killed kiln may leave behind, as integration tests look for it: processes whose command line
// mentions a directory, and mount points below it (/proc/self/mountinfo). Used by the kill -9 tests.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { mountPoints } from "../../src/util/sweep.js";

/** Polls `ok` every `everyMs` until it holds or `ms` pass; whether it held. */
export async function until(ok: () => Promise<boolean>, ms: number, everyMs = 100): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}

/** "pid cmdline" of every process (but this one) whose command line mentions `needle`, minus those `skip` accepts. */
export async function processesWith(needle: string, skip: (cmdline: string) => boolean = () => false): Promise<string[]> {
  const out: string[] = [];
  for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
    const cmd = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0").join(" ");
    if (pid !== String(process.pid) && cmd.includes(needle) && !skip(cmd)) out.push(`${pid} ${cmd.slice(0, 160)}`);
  }
  return out;
}

/** Mount points at or below `dir` in this mount namespace. */
export async function mountsUnder(dir: string): Promise<string[]> {
  return (await mountPoints()).filter((m) => m === dir || m.startsWith(`${dir}/`));
}

/** Every path below a directory (empty when it does not exist). */
export async function tree(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir, { recursive: true })).map(String).sort() : [];
}
