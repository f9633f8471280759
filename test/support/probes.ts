// Python programs the sandbox tests run inside a sandbox (test/integration/sandbox.test.ts). Constant text;
// everything else arrives as argv.

// A step that tries every way out of the image it can: read a host file (the marker, /etc/shadow), write
// next to the marker, connect to a host UNIX socket, a second chroot (the mkdir/chroot/cd .. trick, and
// /proc/1/root), mount and mknod. Prints JSON; argv[3], if given, is a file it writes to show it ran.
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
