// Argv for util-linux unshare(1): the namespaces every bake step runs in. Pure: nothing is run here.

/**
 * The one shell script the sandbox runs before the real command: bring loopback up (a fresh network
 * namespace starts with `lo` down), then exec the command. Constant: the `ip` path arrives as $1 and the
 * command as the remaining arguments, so no caller string is ever parsed by the shell.
 */
export const LOOPBACK_UP_SCRIPT = '"$1" link set lo up && shift && exec "$@"';

export interface UnshareOptions {
  /** Absolute path of unshare(1). */
  readonly unshare: string;
  /** Absolute path of setpriv(1), which sets the parent-death signal (util-linux, like unshare). */
  readonly setpriv: string;
  /** Absolute path of ip(8), used only when the network is cut off. */
  readonly ip: string;
  /** false: a new network namespace with only loopback; true: keep the host's network (kiln fetch). */
  readonly network: boolean;
}

/** Wraps argv so it runs in private mount, PID and (unless network) network namespaces. */
export function unshareArgv(argv: readonly string[], o: UnshareOptions): string[] {
  if (argv.length === 0) throw new TypeError("unshareArgv: empty argv");
  return [
    // kill -9 of kiln itself: unshare is its child, and without this it would go on running the step
    // (mmdebstrap, pip) into a temp tree the next run sweeps away. The kernel sends SIGKILL instead.
    o.setpriv,
    "--pdeathsig",
    "KILL",
    "--",
    o.unshare,
    // A private mount namespace: every mount made inside (proc, dev, bind mounts of mmdebstrap and of
    // chroot steps) disappears with the namespace, even when the bake is killed with SIGKILL.
    "--mount",
    "--propagation",
    "private",
    // A PID namespace whose init is the command: when it dies, the kernel kills every process left in it
    // (daemons a maintainer script started), so nothing keeps the mount namespace alive.
    "--pid",
    "--fork",
    // If unshare itself is killed (kill -9 of kiln's child), its child gets SIGKILL too (PR_SET_PDEATHSIG).
    "--kill-child",
    // /proc of the new PID namespace, so tools inside see their own processes only.
    "--mount-proc",
    ...(o.network ? [] : ["--net"]),
    "--",
    ...(o.network ? argv : ["/bin/sh", "-c", LOOPBACK_UP_SCRIPT, "kiln-sandbox", o.ip, ...argv]),
  ];
}
