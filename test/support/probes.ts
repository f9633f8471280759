// Python programs the sandbox tests run inside a sandbox (test/integration/sandbox.test.ts). Constant text;
// everything else arrives as argv.

// A step that tries every way out of the image it can: read a host file (the marker, /etc/shadow), write
// next to the marker, connect to a host UNIX socket, a second chroot (the mkdir/chroot/cd .. trick, and
// /proc/1/root), mount and mknod, and (with KILN_HOSTDEV=major:minor) reading a host disk through a node it
// makes or through a devtmpfs it mounts. Prints JSON; argv[3], if given, is a file it writes to show it ran.
export const ESCAPE_PROBE = `
import ctypes, json, os, socket, stat, sys
marker, sock = sys.argv[1], sys.argv[2]
out = {}
def read(p):
    try:
        with open(p) as f: return f.read()
    except OSError as e: return 'errno %d' % e.errno
def connect(p):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(p); return 'connected'
    except OSError as e: return 'errno %d' % e.errno
def attempt(f):
    try:
        f(); return 'ok'
    except OSError as e: return 'errno %d' % e.errno
if len(sys.argv) > 3:
    with open(sys.argv[3], 'w') as f: f.write('ok')
out['shadow'] = read('/etc/shadow')[:8]
out['write_out'] = attempt(lambda: open(os.path.dirname(marker) + '/escaped', 'w').write('x'))
out['devnull'] = attempt(lambda: open('/dev/null', 'w').write('x'))
out['proc'] = os.path.exists('/proc/self/status')
out['capbnd_sys_admin'] = [int(l.split()[1], 16) >> 21 & 1 for l in open('/proc/self/status') if l.startswith('CapBnd')][0]
libc = ctypes.CDLL(None, use_errno=True)
out['mount'] = 'ok' if libc.mount(b'none', b'/tmp', b'tmpfs', 0, None) == 0 else 'errno %d' % ctypes.get_errno()
out['mknod'] = attempt(lambda: os.mknod('/tmp/disk', stat.S_IFBLK | 0o600, os.makedev(8, 0)))
hostdev = os.environ.get('KILN_HOSTDEV')
if hostdev:
    disk = os.makedev(*map(int, hostdev.split(':')))
    def disk_mknod():
        os.mknod('/tmp/hostdisk', stat.S_IFBLK | 0o600, disk)
        with open('/tmp/hostdisk', 'rb') as f: f.read(512)
    def disk_devtmpfs():
        os.makedirs('/tmp/devt', exist_ok=True)
        if libc.mount(b'devtmpfs', b'/tmp/devt', b'devtmpfs', 0, None) != 0: raise OSError(ctypes.get_errno(), 'mount')
        node = [n for n in os.listdir('/tmp/devt') if os.lstat('/tmp/devt/' + n).st_rdev == disk]
        if not node: raise OSError(2, 'no node')
        with open('/tmp/devt/' + node[0], 'rb') as f: f.read(512)
    out['disk_mknod'] = attempt(disk_mknod)
    out['disk_devtmpfs'] = attempt(disk_devtmpfs)
out['direct'] = read(marker)
out['proc1'] = read('/proc/1/root' + marker)
out['procself'] = read('/proc/self/root/../../..' + marker)
out['relative'] = read('../../../../../../../..' + marker)
out['socket'] = connect(sock)
out['socket_proc1'] = connect('/proc/1/root' + sock)
top = os.open('/', os.O_RDONLY)
os.makedirs('/tmp/jail', exist_ok=True)
os.chroot('/tmp/jail')
os.fchdir(top)
for _ in range(64): os.chdir('..')
os.chroot('.')
out['chroot_escape'] = read(marker)
out['chroot_escape_socket'] = connect(sock)
os.chroot('/proc/1/root')
os.chdir('/')
out['chroot_proc1'] = read(marker)
print(json.dumps(out))
`;

/** Writes a minimal wheel (kiln_probe 1.0: a module, METADATA, WHEEL, RECORD) to argv[1]. */
export const WHEEL_MAKER = `
import base64, hashlib, sys, zipfile
files = {"kiln_probe/__init__.py": b"X = 1\\n",
         "kiln_probe-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: kiln-probe\\nVersion: 1.0\\n",
         "kiln_probe-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: kiln-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
digest = lambda b: "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
record = "".join("%s,%s,%d\\n" % (n, digest(b), len(b)) for n, b in files.items()) + "kiln_probe-1.0.dist-info/RECORD,,\\n"
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for n, b in files.items(): z.writestr(n, b)
    z.writestr("kiln_probe-1.0.dist-info/RECORD", record)
`;

/**
 * A host block device to probe with (ESCAPE_PROBE's KILN_HOSTDEV): a loop device over a small file of
 * the host's, as `major:minor`, readable from the host; detach() frees it.
 */
export async function hostLoopDevice(dir: string): Promise<{ readonly dev: string; readonly detach: () => Promise<void> }> {
  const { writeFile, readFile } = await import("node:fs/promises");
  const { run } = await import("../../src/exec/run.js");
  const file = `${dir}/disk.img`;
  await writeFile(file, Buffer.alloc(64 * 1024, 7));
  const loop = (await run(["losetup", "--find", "--show", file])).stdout.trim();
  const name = loop.replace(/^\/dev\//, "");
  const dev = (await readFile(`/sys/class/block/${name}/dev`, "utf8")).trim();
  return { dev, detach: async () => void (await run(["losetup", "--detach", loop], { allowFailure: true })) };
}
