// A minimal `pvesm` for the pct simulator (pvesm(1)), under $PCT_SIM_ROOT: `pvesm path <volume>` prints where
// a volume lives (PVE::Storage::path / PVE::Storage::Plugin::filesystem_path); `pvesm status [--content T]`
// lists the storages (those with content T), in PVE::CLI::pvesm's table. Root only, like pvesm.
import { pathToFileURL } from "node:url";
import { getOptions } from "./getopt.js";
import { processIo, type Io } from "./io.js";
import { needRoot } from "./pct.js";
import { DIE, PveError, die } from "./pve-error.js";
import { parseVolume, world, type World } from "./world.js";

const PATH_CMD = { prefix: "pvesm path", args: ["volume"], options: {} };
const STATUS_CMD = {
  prefix: "pvesm status",
  args: [],
  options: { content: { type: "string" }, enabled: { type: "boolean" }, format: { type: "boolean" }, storage: { type: "string" }, target: { type: "string" } },
} as const;
const USAGE = "USAGE: pvesm <COMMAND> [ARGS] [OPTIONS]\n\n       pvesm path <volume>\n       pvesm status  [OPTIONS]\n";

/** `pvesm path <volume>` */
function path(w: World, rest: readonly string[], io: Io): void {
  const { values } = getOptions(PATH_CMD, rest);
  const vol = parseVolume(w, values.volume as string);
  if (!vol) throw die(`unable to parse volume ID '${values.volume}'`);
  io.out(`${w.at(vol.path)}\n`);
}

/** `pvesm status [--content <type>]`: every storage active (sizes are not simulated: 0). */
function status(w: World, rest: readonly string[], io: Io): void {
  const { values } = getOptions(STATUS_CMD, rest);
  const rows = w.storages().filter((s) => values.content === undefined || s.content.includes(values.content));
  const row = (c: readonly string[]) =>
    `${(c[0] ?? "").padEnd(16)} ${(c[1] ?? "").padStart(8)} ${(c[2] ?? "").padStart(8)} ${(c[3] ?? "").padStart(15)} ${(c[4] ?? "").padStart(15)} ${(c[5] ?? "").padStart(15)} ${(c[6] ?? "").padStart(8)}\n`;
  io.out(row(["Name", "Type", "Status", "Total", "Used", "Available", "%"]));
  for (const s of rows) io.out(row([s.id, s.type, "active", "0", "0", "0", "0.00%"]));
}

/** Runs one pvesm command line; returns the exit code. */
export async function pvesmMain(
  argv: readonly string[],
  io: Io = processIo,
  env: NodeJS.ProcessEnv = process.env,
  uid: number = process.geteuid?.() ?? 0,
): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd !== "path" && cmd !== "status") throw new PveError(`ERROR: ${cmd ? `unknown command 'pvesm ${cmd}'` : "no command specified"}\n${USAGE}`);
    needRoot(uid);
    const w = world(env);
    if (cmd === "path") path(w, rest, io);
    else status(w, rest, io);
    return 0;
  } catch (e) {
    io.err(e instanceof PveError ? e.message : `${(e as Error).message}\n`);
    return e instanceof PveError ? e.exitCode : DIE;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  pvesmMain(process.argv.slice(2)).then((code) => process.exit(code));
}
