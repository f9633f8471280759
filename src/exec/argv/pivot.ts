// The last hop into an image root: pivot_root into it, detach the host's root, drop the capabilities
// that reach past the namespaces, exec the step. One host python3 process does all of it, because once
// the host root is gone no host binary (shell, mount, setpriv) can be found any more, and image code must
// never run while the host root is still reachable or with those capabilities. Constant text: the root
// arrives as argv[1], the capabilities to drop as argv[2] (comma-separated numbers, dropCapsArg) and the
// command as the rest; no caller string becomes code.

/**
 * Capabilities dropped from the bounding set (root's next exec gets only what the bounding set holds):
 * mounts and namespaces (SYS_ADMIN), device nodes for the host's disks (MKNOD), open_by_handle_at into
 * the host's filesystem (DAC_READ_SEARCH; DAC_OVERRIDE still lets root read any file in the image),
 * kernel modules, raw I/O, reboot, the clock, LSM policy, the kernel log, BPF and perf.
 */
export const DROPPED_CAPS: Readonly<Record<string, number>> = {
  CAP_DAC_READ_SEARCH: 2,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_TIME: 25,
  CAP_MKNOD: 27,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
};

/**
 * What mmdebstrap's root mode needs beyond a step (run inside the bootstrap's mini-root): SYS_ADMIN for
 * its own namespaces and its mounts of /proc, /sys and /dev/pts in the target, MKNOD for the target's
 * /dev nodes (without it mmdebstrap bind-mounts them instead, and the image changes).
 */
export const MMDEBSTRAP_CAPS: readonly string[] = ["CAP_SYS_ADMIN", "CAP_MKNOD"];

/** argv[2] of the helper: the numbers of DROPPED_CAPS except those in `keep`, comma-separated. */
export function dropCapsArg(keep: readonly string[] = []): string {
  const unknown = keep.find((k) => !(k in DROPPED_CAPS));
  if (unknown) throw new TypeError(`dropCapsArg: ${unknown} is not among DROPPED_CAPS`);
  return Object.entries(DROPPED_CAPS)
    .filter(([name]) => !keep.includes(name))
    .map(([, n]) => String(n))
    .join(",");
}

/** pivot_root(2) has no libc wrapper: its syscall number per machine (uname -m). */
const PIVOT_ROOT_NR: Readonly<Record<string, number>> = { x86_64: 155, aarch64: 41, riscv64: 41, ppc64le: 203, s390x: 217, i686: 217, armv7l: 218 };

/** The helper, run as `python3 -I -S -c PIVOT_SCRIPT ROOT CAPS ARGV…` inside the sandbox's mount namespace. */
export const PIVOT_SCRIPT = [
  "import ctypes, os, sys",
  "libc = ctypes.CDLL(None, use_errno=True)",
  `NR = ${JSON.stringify(PIVOT_ROOT_NR)}.get(os.uname().machine)`,
  "CAPS = [int(c) for c in sys.argv[2].split(',') if c]",
  "def fail(what, err=None):",
  "    os.write(2, ('kiln-pivot: %s: %s\\n' % (what, os.strerror(err or ctypes.get_errno()))).encode())",
  "    os._exit(125)",
  "if NR is None: fail('no pivot_root syscall number for ' + os.uname().machine, 38)",
  "os.chdir(sys.argv[1])",
  // pivot_root(".", ".") stacks the old root on top of the new one; umount2(".", MNT_DETACH) removes it.
  "if libc.syscall(NR, b'.', b'.') != 0: fail('pivot_root')",
  "if libc.umount2(b'.', 2) != 0: fail('detaching the host root')",
  "os.chdir('/')",
  // PR_CAPBSET_DROP (24); EINVAL: this kernel does not know the capability, so nothing to drop.
  "for c in CAPS:",
  "    if libc.prctl(24, c, 0, 0, 0) != 0 and ctypes.get_errno() != 22: fail('dropping capability %d' % c)",
  // PR_CAP_AMBIENT (47) / CLEAR_ALL (4): root keeps nothing across exec but the bounding set.
  "libc.prctl(47, 4, 0, 0, 0)",
  // An inheritable capability would survive the bounding set: clear them (capget/capset, version 3).
  "hdr = (ctypes.c_uint32 * 2)(0x20080522, 0); data = (ctypes.c_uint32 * 6)()",
  "if libc.capget(hdr, data) != 0: fail('capget')",
  "data[2] = data[5] = 0",
  "if libc.capset(hdr, data) != 0: fail('capset')",
  "try:",
  "    os.execvp(sys.argv[3], sys.argv[3:])",
  "except OSError as e:",
  "    os.write(2, ('kiln-pivot: %s: %s\\n' % (sys.argv[3], e.strerror)).encode())",
  "    os._exit(127 if e.errno == 2 else 126)",
].join("\n");
