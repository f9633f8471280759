// The bake sandbox: every bake step runs in a new network namespace with nothing but loopback, and in
// private mount and PID namespaces, so no mount and no process outlives the step, even when kiln is
// killed. Built on run(); the argv itself comes from the pure builder in argv/unshare.ts.
import { existsSync, lstatSync } from "node:fs";
import { checkTool, run, type RunOptions, type RunResult } from "./run.js";
import { dropCapsArg, PIVOT_SCRIPT } from "./argv/pivot.js";
import { unshareArgv } from "./argv/unshare.js";
import { withDeviceCgroup } from "./device-cgroup.js";

export interface SandboxOptions {
  /** true keeps the host network (only `kiln fetch` may); the default cuts it off. */
  readonly network?: boolean;
}

/** Wraps argv to run sandboxed: `unshare --mount --pid --net … -- sh -c 'ip link set lo up; exec …'`. */
export function sandboxArgv(argv: readonly string[], o: SandboxOptions = {}): string[] {
  const network = o.network === true;
  const unshare = checkTool("unshare", "isolate bake steps from the network and the host's mounts", "apt-get install util-linux");
  const setpriv = checkTool("setpriv", "end a sandboxed step when kiln itself is killed", "apt-get install util-linux");
  const ip = network ? "ip" : checkTool("ip", "bring up loopback inside the bake's network namespace", "apt-get install iproute2");
  return unshareArgv(argv, { setpriv, unshare, ip, network });
}

/** run() inside the sandbox. */
export function runSandboxed(argv: readonly string[], opts: RunOptions & SandboxOptions = {}): Promise<RunResult> {
  const { network, ...runOpts } = opts;
  return run(sandboxArgv(argv, { network }), runOpts);
}

/**
 * A fresh /proc of the PID namespace, a read-only /sys and a /dev with only the harmless nodes, under
 * "$root" (directories there already; the image's own /dev stays untouched under the tmpfs).
 */
const PROC_SYS_DEV = [
  'mount -t proc -o nosuid,nodev,noexec proc "$root/proc"',
  'mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"',
  'mount -t tmpfs -o nosuid,noexec,mode=0755,size=1m kiln-dev "$root/dev"',
  'for n in null zero full random urandom tty; do : > "$root/dev/$n"; mount --bind "/dev/$n" "$root/dev/$n"; done',
  'mkdir "$root/dev/shm" "$root/dev/pts"',
  'mount -t tmpfs -o nosuid,nodev,mode=1777 kiln-shm "$root/dev/shm"',
  'ln -s /proc/self/fd "$root/dev/fd"; ln -s /proc/self/fd/0 "$root/dev/stdin"; ln -s /proc/self/fd/1 "$root/dev/stdout"; ln -s /proc/self/fd/2 "$root/dev/stderr"',
];

/**
 * Builds the image's view INSIDE the sandbox's private mount namespace, so it vanishes with it: the root
 * bound onto itself (pivot_root needs a mount point), /proc, /sys and /dev (PROC_SYS_DEV); then hands
 * over to the pivot helper (argv/pivot.ts), which pivots into the root, detaches the host's root and
 * drops capabilities before exec. Nothing of the host filesystem stays reachable, so a second chroot or
 * /proc/1/root leads back into the image only. Constant: root, python, helper, the capabilities to drop
 * and the number of read-only binds arrive as $1..$5, then each bind's source and mount point, then the
 * command; no caller string is parsed by the shell.
 */
export const CHROOT_SCRIPT = [
  "set -eu",
  'root="$1"; py="$2"; pivot="$3"; caps="$4"; n="$5"; shift 5',
  // A symlinked mount point in the image could redirect a mount onto a host path: refuse it.
  'for d in proc sys dev; do if [ -L "$root/$d" ] || [ ! -d "$root/$d" ]; then echo "kiln-chroot: $root/$d is not a directory" >&2; exit 125; fi; done',
  // Recursive: whatever kiln bound under the root for this step comes along.
  'mount --rbind "$root" "$root"',
  // What the step needs from the host (the wheelhouse), read-only, on mount points the caller made inside the root.
  'while [ "$n" -gt 0 ]; do mount --bind "$1" "$2"; mount -o remount,bind,ro,nosuid,nodev "$2"; shift 2; n=$((n - 1)); done',
  ...PROC_SYS_DEV,
  // The host's PATH (e.g. ~/.pyenv/shims) means nothing inside the image.
  "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  // -I -S: the host python reads no environment variable, user site or site-packages of its own.
  'exec "$py" -I -S -c "$pivot" "$root" "$caps" "$@"',
].join("\n");

/**
 * A host tool's own root (the bootstrap's mmdebstrap): a fresh tmpfs on $1 in the private mount
 * namespace holding only the entries given, each at its host path: `ro PATH` bound read-only (nosuid,
 * nodev), `rw PATH` bound writable, `link PATH` a symlink with the host's target (merged /usr); then a
 * private /tmp, /proc, /sys and /dev, and the pivot helper as in CHROOT_SCRIPT, in a new cgroup namespace.
 * Constant: root, python, helper, capabilities and the devices cgroup to enter ("" for none) arrive as
 * $1..$5, then the entries as pairs up to `--`, then the command.
 */
export const MINIROOT_SCRIPT = [
  "set -eu",
  'root="$1"; py="$2"; pivot="$3"; caps="$4"; cg="$5"; shift 5',
  // Into the devices cgroup (device-cgroup.ts) first; a new cgroup namespace at exec keeps it there.
  'if [ -n "$cg" ]; then echo 0 > "$cg/cgroup.procs"; fi',
  'mount -t tmpfs -o mode=0755,size=1m kiln-miniroot "$root"',
  'mkdir "$root/proc" "$root/sys" "$root/dev" "$root/tmp"',
  ...PROC_SYS_DEV,
  'mount -t tmpfs -o nosuid,nodev,mode=1777 kiln-tmp "$root/tmp"',
  // Each missing parent of an entry gets the host directory's mode and owner, so access checks (apt's test
  // whether its _apt user can read the target) answer as they do on the host.
  'while [ "$1" != -- ]; do',
  '  kind="$1"; p="$2"; shift 2; d=""; rest="${p#/}"',
  '  while [ "${rest#*/}" != "$rest" ]; do',
  '    d="$d/${rest%%/*}"; rest="${rest#*/}"',
  '    if [ ! -d "$root$d" ]; then m=$(stat -L -c "%a %u:%g" "$d"); mkdir -m "${m% *}" "$root$d"; chown "${m#* }" "$root$d"; fi',
  "  done",
  '  case "$kind" in',
  '    link) ln -s "$(readlink "$p")" "$root$p" ;;',
  '    ro) if [ -d "$p" ]; then mkdir -p "$root$p"; else : > "$root$p"; fi; mount --bind -o ro,nosuid,nodev "$p" "$root$p" ;;',
  '    rw) if [ -d "$p" ]; then mkdir -p "$root$p"; else : > "$root$p"; fi; mount --bind "$p" "$root$p" ;;',
  '    *) echo "kiln-miniroot: unknown entry kind $kind" >&2; exit 125 ;;',
  "  esac",
  "done",
  "shift",
  'exec unshare --cgroup -- "$py" -I -S -c "$pivot" "$root" "$caps" "$@"',
].join("\n");

/** A host directory the step sees read-only, at `mountPoint`: the host path of a directory inside the root. */
export interface ReadOnlyBind {
  readonly host: string;
  readonly mountPoint: string;
}

export interface ChrootOptions extends SandboxOptions {
  /** Host directories the step needs, bound read-only (mount points made by the caller, e.g. with inRoot). */
  readonly binds?: readonly ReadOnlyBind[];
}

/**
 * The python3 that runs the pivot helper: the system's, which execs itself. A wrapper found first on PATH
 * (a pyenv shim) would keep running host code beside the step, and loses its own root at the pivot.
 */
function hostPython(): string {
  if (existsSync("/usr/bin/python3")) return "/usr/bin/python3";
  return checkTool("python3", "enter the image root (pivot_root, drop capabilities) for bake steps", "apt-get install python3");
}

/** Argv that runs `argv` inside `root` (pivoted, host root detached), sandboxed, with /proc, /sys, /dev. */
export function chrootArgv(root: string, argv: readonly string[], o: ChrootOptions = {}): string[] {
  if (argv.length === 0) throw new TypeError("chrootArgv: empty argv");
  const binds = o.binds ?? [];
  const outside = binds.find((b) => !b.mountPoint.startsWith(`${root.replace(/\/+$/, "")}/`));
  if (outside) throw new TypeError(`chrootArgv: mount point ${outside.mountPoint} is not inside ${root}`);
  const py = hostPython();
  const bindArgs = binds.flatMap((b) => [b.host, b.mountPoint]);
  return sandboxArgv(["/bin/sh", "-c", CHROOT_SCRIPT, "kiln-chroot", root, py, PIVOT_SCRIPT, dropCapsArg(), String(binds.length), ...bindArgs, ...argv], o);
}

/** run() of argv chrooted into `root` inside the sandbox. */
export function runInChroot(root: string, argv: readonly string[], opts: RunOptions & ChrootOptions = {}): Promise<RunResult> {
  const { network, binds, ...runOpts } = opts;
  return run(chrootArgv(root, argv, { network, ...(binds ? { binds } : {}) }), runOpts);
}

/** A host path in a mini-root: bound read-only, bound writable, or (merged /usr) a symlink like the host's. */
export interface MiniRootEntry {
  readonly kind: "ro" | "rw" | "link";
  /** Absolute, normalised; the same path inside the mini-root as on the host. */
  readonly path: string;
}

export interface MiniRootOptions extends SandboxOptions {
  /** An empty host directory the mini-root's tmpfs is mounted on (seen only inside the sandbox). */
  readonly mountPoint: string;
  readonly entries: readonly MiniRootEntry[];
  /** Names from DROPPED_CAPS that the command keeps (MMDEBSTRAP_CAPS for mmdebstrap). */
  readonly keepCaps?: readonly string[];
  /** A devices cgroup (device-cgroup.ts) the command runs in; none when undefined. */
  readonly deviceCgroup?: string;
}

/**
 * The host's own system paths as mini-root entries: a top-level symlink (/bin → usr/bin) stays a link,
 * anything else (a file behind a symlink too) is bound read-only; paths this host lacks are left out.
 */
export function hostEntries(paths: readonly string[]): MiniRootEntry[] {
  return paths.flatMap((path): MiniRootEntry[] => {
    if (!existsSync(path)) return [];
    const topLink = path.lastIndexOf("/") === 0 && lstatSync(path).isSymbolicLink();
    return [{ kind: topLink ? "link" : "ro", path }];
  });
}

/** Argv that runs a host tool pivoted into a mini-root of only `entries` (MINIROOT_SCRIPT), sandboxed. */
export function miniRootArgv(argv: readonly string[], o: MiniRootOptions): string[] {
  if (argv.length === 0) throw new TypeError("miniRootArgv: empty argv");
  const bad = o.entries.find((e) => !/^(\/[^/\0]+)+$/.test(e.path) || e.path.split("/").some((c) => c === "." || c === ".."));
  if (bad) throw new TypeError(`miniRootArgv: ${bad.path} is not an absolute, normalised path below /`);
  const entryArgs = o.entries.flatMap((e) => [e.kind, e.path]);
  return sandboxArgv(
    [
      "/bin/sh",
      "-c",
      MINIROOT_SCRIPT,
      "kiln-miniroot",
      o.mountPoint,
      hostPython(),
      PIVOT_SCRIPT,
      dropCapsArg(o.keepCaps),
      o.deviceCgroup ?? "",
      ...entryArgs,
      "--",
      ...argv,
    ],
    o,
  );
}

/** run() of a host tool inside a mini-root (miniRootArgv), in a devices cgroup of only harmless nodes. */
export function runInMiniRoot(argv: readonly string[], opts: RunOptions & Omit<MiniRootOptions, "deviceCgroup">): Promise<RunResult> {
  const { network, mountPoint, entries, keepCaps, ...runOpts } = opts;
  return withDeviceCgroup((deviceCgroup) =>
    run(miniRootArgv(argv, { network, mountPoint, entries, ...(keepCaps ? { keepCaps } : {}), ...(deviceCgroup ? { deviceCgroup } : {}) }), runOpts),
  );
}
