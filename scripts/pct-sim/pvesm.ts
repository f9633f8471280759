// A minimal `pvesm` for the pct simulator: `pvesm path <volume>` prints where a volume of a "dir" storage
// lives (pvesm(1); PVE::Storage::path / PVE::Storage::Plugin::filesystem_path), under $PCT_SIM_ROOT.
import { pathToFileURL } from "node:url";
import { getOptions } from "./getopt.js";
import { processIo, type Io } from "./io.js";
import { DIE, PveError, die } from "./pve-error.js";
import { parseVolume, world } from "./world.js";

const PATH_CMD = { prefix: "pvesm path", args: ["volume"], options: {} };

/** Runs one pvesm command line; returns the exit code. */
export async function pvesmMain(argv: readonly string[], io: Io = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd !== "path") throw new PveError(`ERROR: ${cmd ? `unknown command 'pvesm ${cmd}'` : "no command specified"}\nUSAGE: pvesm <COMMAND> [ARGS] [OPTIONS]\n\n       pvesm path <volume>\n`);
    const { values } = getOptions(PATH_CMD, rest);
    const w = world(env);
    const vol = parseVolume(w, values.volume as string);
    if (!vol) throw die(`unable to parse volume ID '${values.volume}'`);
    io.out(`${w.at(vol.path)}\n`);
    return 0;
  } catch (e) {
    io.err(e instanceof PveError ? e.message : `${(e as Error).message}\n`);
    return e instanceof PveError ? e.exitCode : DIE;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  pvesmMain(process.argv.slice(2)).then((code) => process.exit(code));
}
