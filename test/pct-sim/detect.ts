// What `pct create` detects in an unpacked template when --arch and --ostype are not given
// (PVE::LXC::Create::detect_architecture reads /bin/sh's ELF header; PVE::LXC::Setup picks the
// distribution from its release files). The simulator's own reading: kiln's rootfs readers are under test.
import { lstat, open, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";

/** ELF e_machine values of the architectures Proxmox containers can have. */
const MACHINES: Readonly<Record<number, string>> = { 62: "amd64", 3: "i386", 183: "arm64", 40: "armhf", 243: "riscv64" };

/** Resolves `path` inside `root` as the container would (absolute links and ".." stop at the root), or undefined. */
export async function inRoot(root: string, path: string): Promise<string | undefined> {
  let parts = path.split("/").filter(Boolean);
  let done: string[] = [];
  let hops = 0;
  for (let next = parts.shift(); next !== undefined; next = parts.shift()) {
    if (next === ".") continue;
    if (next === "..") {
      done.pop();
      continue;
    }
    const st = await lstat(join(root, ...done, next)).catch(() => undefined);
    if (!st) return undefined;
    if (!st.isSymbolicLink()) {
      done.push(next);
      continue;
    }
    if (++hops > 40) return undefined;
    const target = await readlink(join(root, ...done, next));
    parts = [...target.split("/").filter(Boolean), ...parts];
    if (target.startsWith("/")) done = [];
  }
  return join(root, ...done);
}

/** The architecture of the template's /bin/sh, or undefined. */
export async function detectArch(root: string): Promise<string | undefined> {
  const sh = await inRoot(root, "bin/sh");
  if (!sh) return undefined;
  const fh = await open(sh, "r");
  try {
    const head = Buffer.alloc(20);
    await fh.read(head, 0, 20, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    return MACHINES[head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18)];
  } finally {
    await fh.close();
  }
}

/** The distribution from the template's release files, in the order PVE::LXC::Setup checks them; "unmanaged" when none. */
export async function detectOstype(root: string): Promise<string> {
  const text = async (p: string) => {
    const f = await inRoot(root, p);
    return f ? readFile(f, "utf8").catch(() => undefined) : undefined;
  };
  if (/^DISTRIB_ID=Ubuntu$/m.test((await text("etc/lsb-release")) ?? "")) return "ubuntu";
  if ((await text("etc/debian_version")) !== undefined) return "debian";
  if ((await text("etc/alpine-release")) !== undefined) return "alpine";
  if ((await text("etc/arch-release")) !== undefined) return "archlinux";
  if ((await text("etc/fedora-release")) !== undefined) return "fedora";
  return "unmanaged";
}
