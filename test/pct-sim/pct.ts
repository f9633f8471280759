// A `pct` simulator for kiln's tests: Proxmox VE cannot run here, so this implements pct's documented
// command syntax (pct(1), https://pve.proxmox.com/pve-docs/pct.1.html; pve-docs generated/pct.1-synopsis.adoc)
// on real LXC, with pct's refusals and messages (pve-common PVE::JSONSchema / PVE::CLIHandler,
// pve-container PVE::API2::LXC, PVE::CLI::pct). State lives under $PCT_SIM_ROOT laid out like a PVE
// node, at the versions PCT_SIM_VERSIONS names (default: PVE 9; see world.ts). Commands: create, start,
// stop, shutdown, destroy, status, exec, push, mount, unmount, unlock, list, config, set; only root may
// run it ("please run as root"). Known simplifications: dir, lvmthin, lvm and zfspool storages only, and
// every root volume is a directory (its size checked once after unpacking, not enforced later); only net0;
// privileged containers only; features are stored, not applied; paths that pct prints (pct mount) are
// real paths under the sim root.
import { pathToFileURL } from "node:url";
import { processIo, type Io } from "./io.js";
import { DIE, PveError, die } from "./pve-error.js";
import { world, type World } from "./world.js";

/** A command: resolves to its exit code, or to nothing for 0. */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers that return nothing are the common case
type Handler = (w: World, argv: readonly string[], io: Io) => Promise<void | number>;

// Each command's module is loaded only when it runs: pct is started once per command, over SSH.
const COMMANDS: Readonly<Record<string, () => Promise<Handler>>> = {
  create: async () => (await import("./create.js")).create,
  start: async () => (await import("./lifecycle.js")).start,
  stop: async () => (await import("./lifecycle.js")).stop,
  shutdown: async () => (await import("./lifecycle.js")).shutdown,
  destroy: async () => (await import("./lifecycle.js")).destroy,
  status: async () => (await import("./lifecycle.js")).status,
  exec: async () => (await import("./inside.js")).exec,
  push: async () => (await import("./inside.js")).push,
  mount: async () => (await import("./inside.js")).mount,
  unmount: async () => (await import("./inside.js")).unmount,
  unlock: async () => (await import("./info.js")).unlock,
  list: async () => (await import("./info.js")).list,
  config: async () => (await import("./info.js")).config,
  set: async () => (await import("./info.js")).set,
};

/** The short command list PVE::CLIHandler prints after "ERROR: …". */
function usage(): string {
  return `USAGE: pct <COMMAND> [ARGS] [OPTIONS]\n\n${Object.keys(COMMANDS)
    .sort()
    .map((c) => `       pct ${c}\n`)
    .join("")}`;
}

/** Fails like PVE::RPCEnvironment::setup_default_cli_env for a caller that is not root (pct and pvesm). */
export function needRoot(uid: number): void {
  if (uid !== 0) throw die("please run as root");
}

/** Runs one pct command line; returns the exit code (0, the exec'd command's code, or 255 for a die). */
export async function pctMain(
  argv: readonly string[],
  io: Io = processIo,
  env: NodeJS.ProcessEnv = process.env,
  uid: number = process.geteuid?.() ?? 0,
): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (!cmd) throw new PveError(`ERROR: no command specified\n${usage()}`);
    const load = COMMANDS[cmd];
    if (!load) throw new PveError(`ERROR: unknown command 'pct ${cmd}'\n${usage()}`);
    needRoot(uid);
    const code = await (await load())(world(env), rest, io);
    return typeof code === "number" ? code : 0;
  } catch (e) {
    if (e instanceof PveError) {
      io.err(e.message);
      return e.exitCode;
    }
    io.err(`${(e as Error).message}\n`);
    return DIE;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  pctMain(process.argv.slice(2)).then((code) => process.exit(code));
}
