// /etc/os-release parsing and the distribution IDs Proxmox VE manages (PVE::LXC::Setup's plugins).

/** OS types Proxmox has a setup plugin for (PVE::LXC::Setup `$plugins`, minus "unmanaged"). */
export const PROXMOX_OSTYPES: readonly string[] = [
  "alpine",
  "archlinux",
  "centos",
  "debian",
  "devuan",
  "fedora",
  "gentoo",
  "nixos",
  "openeuler",
  "opensuse",
  "ubuntu",
];

// PVE::LXC::Setup `$plugin_alias`: related distributions handled by another plugin.
const ALIASES: Readonly<Record<string, string>> = {
  "opensuse-leap": "opensuse",
  "opensuse-tumbleweed": "opensuse",
  "opensuse-slowroll": "opensuse",
  openEuler: "openeuler",
  arch: "archlinux",
  sles: "opensuse",
  rocky: "centos",
  almalinux: "centos",
};

/** The Proxmox ostype for an os-release ID, or undefined when Proxmox does not manage it. */
export function proxmoxOstype(id: string): string | undefined {
  if (PROXMOX_OSTYPES.includes(id)) return id;
  return ALIASES[id];
}

/** Parses os-release(5): KEY=value lines, values optionally single- or double-quoted with backslash escapes. */
export function parseOsRelease(text: string): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    const raw = m[2].trim();
    let value: string;
    const single = /^'([^']*)'/.exec(raw);
    const double = /^"((?:[^"\\]|\\.)*)"/.exec(raw);
    if (single?.[1] !== undefined) value = single[1];
    else if (double?.[1] !== undefined) value = double[1].replace(/\\(.)/g, "$1");
    else value = /^[^\s#'"]*/.exec(raw)?.[0] ?? "";
    out[m[1]] = value;
  }
  return out;
}
