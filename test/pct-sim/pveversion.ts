// `pveversion [-v]` for the pct simulator: the simulated node's package versions (world.versions, set with
// PCT_SIM_VERSIONS), printed as pveversion prints them: "pve-manager/9.1.1/<hash> (running kernel: …)",
// and with -v one "package: version" line each, pve-manager's with its running version.
import { release } from "node:os";
import { pathToFileURL } from "node:url";
import { processIo, type Io } from "./io.js";
import { DIE, PveError } from "./pve-error.js";
import { world } from "./world.js";

/** Runs pveversion; returns the exit code. */
export async function pveversionMain(argv: readonly string[], io: Io = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const w = world(env);
    const manager = w.versions.get("pve-manager") ?? "";
    if (argv.length === 0) {
      io.out(`pve-manager/${manager}/0000000000000000 (running kernel: ${release()})\n`);
      return 0;
    }
    if (argv.length !== 1 || !["-v", "--verbose"].includes(argv[0] as string)) throw new PveError("USAGE: pveversion [--verbose]\n", 2);
    for (const [k, v] of w.versions)
      io.out(
        k === "pve-manager"
          ? `${k}: ${v} (running version: ${v}/0000000000000000)\n`
          : k === "proxmox-ve"
            ? `${k}: ${v} (running kernel: ${release()})\n`
            : `${k}: ${v}\n`,
      );
    return 0;
  } catch (e) {
    io.err(e instanceof PveError ? e.message : `${(e as Error).message}\n`);
    return e instanceof PveError ? e.exitCode : DIE;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  pveversionMain(process.argv.slice(2)).then((code) => process.exit(code));
}
