// A minimal Debian-like tree that passes every `kiln check` rule, for check and store tests to vary.
import type { MemoryNode } from "../../../src/archive/index.js";

/** A 64-byte ELF header for e_machine `machine` (default x86-64), 64-bit little-endian unless told. */
export function elfHeader(o: { readonly machine?: number; readonly cls?: 1 | 2; readonly flags?: number } = {}): Buffer {
  const b = Buffer.alloc(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, o.cls ?? 2, 1, 1], 0);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(o.machine ?? 62, 18);
  if ((o.cls ?? 2) === 1) b.writeUInt32LE(o.flags ?? 0, 36);
  else b.writeUInt32LE(o.flags ?? 0, 48);
  return b;
}

export const DPKG_STATUS = [
  "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n",
  "Package: ifupdown\nStatus: install ok installed\nArchitecture: amd64\nVersion: 0.8.41\nDescription: high level tools\n to configure network interfaces\n",
  "Package: dash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 0.5.12-2\n",
].join("\n");

/** The tree; `replace` swaps nodes by path (undefined content removes a node), `add` appends nodes. */
export function minimalTree(o: { readonly replace?: Readonly<Record<string, MemoryNode | null>>; readonly add?: readonly MemoryNode[] } = {}): MemoryNode[] {
  const base: MemoryNode[] = [
    { path: "", type: "dir" },
    { path: "bin", type: "symlink", linkTarget: "usr/bin" },
    { path: "sbin", type: "symlink", linkTarget: "usr/sbin" },
    { path: "lib", type: "symlink", linkTarget: "usr/lib" },
    { path: "usr", type: "dir" },
    { path: "usr/bin", type: "dir" },
    { path: "usr/sbin", type: "dir" },
    { path: "usr/lib", type: "dir" },
    { path: "usr/bin/dash", content: elfHeader(), mode: 0o755 },
    { path: "usr/bin/sh", type: "symlink", linkTarget: "dash" },
    { path: "usr/lib/os-release", content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n' },
    { path: "etc", type: "dir" },
    { path: "etc/os-release", type: "symlink", linkTarget: "../usr/lib/os-release" },
    { path: "etc/machine-id", content: "" },
    { path: "etc/ssh", type: "dir" },
    { path: "etc/ssh/sshd_config", content: "PermitRootLogin no\n" },
    { path: "var", type: "dir" },
    { path: "var/lib", type: "dir" },
    { path: "var/lib/dpkg", type: "dir" },
    { path: "var/lib/dpkg/status", content: DPKG_STATUS },
  ];
  const replaced = base.flatMap((n) => {
    const r = o.replace?.[n.path];
    return r === undefined ? [n] : r === null ? [] : [r];
  });
  return [...replaced, ...(o.add ?? [])];
}
