// pct's parameters as documented in pct(1) (pve-docs generated/pct.1-synopsis.adoc) and pct.conf(5)
// (network: PVE::LXC::Config $netconf_desc; mount points: $mp_desc / $rootfs_desc). Every documented
// option is known to the parser, so an undocumented one is refused as pct refuses it; options whose
// effect the simulator does not reproduce are refused with a clear "not simulated" message instead.
import * as f from "./formats.js";
import type { OptionSpec } from "./getopt.js";
import type { PropertyFormat } from "./property-string.js";

export interface Prop extends OptionSpec {
  readonly check?: f.Check;
  readonly format?: PropertyFormat;
  /** The simulator reproduces this option's effect (otherwise it refuses it, naming it). */
  readonly simulated?: boolean;
}

const bool = (simulated = false): Prop => ({ type: "boolean", simulated });
const str = (check?: f.Check, simulated = false): Prop => ({ type: "string", check, simulated });
const int = (min?: number, max?: number, simulated = false): Prop => ({ type: "integer", check: f.numeric("integer", min, max), simulated });

/** netN: name=<string> [,bridge=<bridge>] [,firewall=<1|0>] [,gw=…] … [,type=<veth>] */
export const NET_FORMAT: PropertyFormat = {
  name: { check: f.pattern(/[-_.\w\d]+/) },
  bridge: { optional: true, check: f.pattern(/[-_.\w\d]+/) },
  firewall: { optional: true, type: "boolean" },
  gw: { optional: true, check: f.ipv4 },
  gw6: { optional: true, check: f.ipv6 },
  "host-managed": { optional: true, type: "boolean" },
  hwaddr: { optional: true, check: f.macAddr },
  ip: { optional: true, check: f.ipv4Config },
  ip6: { optional: true, check: f.ipv6Config },
  link_down: { optional: true, type: "boolean" },
  mtu: { optional: true, check: f.numeric("integer", 64, 65535) },
  rate: { optional: true, check: f.numeric("number", 0) },
  tag: { optional: true, check: f.numeric("integer", 1, 4094) },
  trunks: { optional: true, check: f.pattern(/\d+(?:;\d+)*/) },
  type: { optional: true, check: f.oneOf(["veth"]) },
};

/** features: [fuse=<1|0>] [,keyctl=<1|0>] [,mknod=<1|0>] [,mount=<fstype;fstype;...>] [,nesting=<1|0>] … (stored, not reproduced by LXC here). */
export const FEATURES_FORMAT: PropertyFormat = {
  force_rw_sys: { optional: true, type: "boolean" },
  fuse: { optional: true, type: "boolean" },
  keyctl: { optional: true, type: "boolean" },
  mknod: { optional: true, type: "boolean" },
  mount: { optional: true, check: f.pattern(/[a-zA-Z0-9_; ]+/) },
  nesting: { optional: true, type: "boolean" },
};

/** Keys shared by rootfs and mpN volumes. */
const VOLUME_KEYS: PropertyFormat = {
  volume: { defaultKey: true, check: f.mpString },
  acl: { optional: true, type: "boolean" },
  mountoptions: { optional: true, check: f.pattern(/(?:noatime|lazytime|nodev|nosuid|noexec|discard)(?:;(?:noatime|lazytime|nodev|nosuid|noexec|discard))*/) },
  quota: { optional: true, type: "boolean" },
  replicate: { optional: true, type: "boolean" },
  ro: { optional: true, type: "boolean" },
  shared: { optional: true, type: "boolean" },
  size: { optional: true, check: f.diskSize },
};

/** rootfs: [volume=]<volume> [,acl=…] … [,size=<DiskSize>] */
export const ROOTFS_FORMAT: PropertyFormat = VOLUME_KEYS;

/** mpN: [volume=]<volume> ,mp=<Path> [,backup=…] [,keepattrs=…] plus the volume keys. */
export const MP_FORMAT: PropertyFormat = {
  ...VOLUME_KEYS,
  mp: { check: f.mpString },
  backup: { optional: true, type: "boolean" },
  keepattrs: { optional: true, type: "boolean" },
};

const OSTYPES = ["alpine", "archlinux", "centos", "debian", "devuan", "fedora", "gentoo", "nixos", "opensuse", "ubuntu", "unmanaged"];
const LOCKS = ["backup", "create", "destroyed", "disk", "fstrim", "migrate", "mounted", "rollback", "snapshot", "snapshot-delete"];

/** Options of a container's configuration (create and set share them). */
function configProps(): Record<string, Prop> {
  const p: Record<string, Prop> = {
    arch: { ...str(f.oneOf(["amd64", "arm64", "armhf", "i386", "riscv32", "riscv64"]), true) },
    cmode: str(f.oneOf(["console", "shell", "tty"])),
    console: bool(),
    cores: int(1, 8192, true),
    cpulimit: { type: "number", check: f.numeric("number", 0, 8192) },
    cpuunits: int(0, 500000),
    debug: bool(),
    description: str(f.maxLength(8192), true),
    entrypoint: str(),
    env: str(),
    features: { type: "string", format: FEATURES_FORMAT, simulated: true },
    hookscript: str(),
    hostname: str(f.dnsName, true),
    lock: str(f.oneOf(LOCKS)),
    memory: int(16, undefined, true),
    nameserver: str(undefined, true),
    onboot: bool(true),
    ostype: str(f.oneOf(OSTYPES), true),
    protection: bool(),
    rootfs: { type: "string", format: ROOTFS_FORMAT, simulated: true },
    searchdomain: str(undefined, true),
    startup: str(),
    swap: int(0, undefined, true),
    tags: str(undefined, true),
    template: bool(),
    timezone: str(),
    tty: int(0, 6, true),
    unprivileged: bool(true),
  };
  for (let i = 0; i < 32; i++) p[`net${i}`] = { type: "string", format: NET_FORMAT, simulated: true };
  for (let i = 0; i < 256; i++) {
    p[`mp${i}`] = { type: "string", format: MP_FORMAT, simulated: true };
    p[`unused${i}`] = str();
  }
  for (let i = 0; i < 256; i++) p[`dev${i}`] = str();
  return p;
}

/** `pct create <vmid> <ostemplate> [OPTIONS]` */
export const CREATE_OPTIONS: Record<string, Prop> = {
  ...configProps(),
  bwlimit: { type: "number", check: f.numeric("number", 0) },
  force: bool(),
  "ha-managed": bool(),
  "ignore-unpack-errors": bool(),
  password: str(),
  pool: str(),
  restore: bool(),
  "ssh-public-keys": str(),
  start: bool(true),
  storage: str(undefined, true),
  unique: bool(),
};

/** `pct set <vmid> [OPTIONS]` */
export const SET_OPTIONS: Record<string, Prop> = {
  ...configProps(),
  delete: str(undefined, true),
  digest: str(),
  revert: str(),
};

/** The vmid positional of every command. */
export const VMID: Prop = { type: "integer", check: (v) => f.numeric("integer")(v) ?? f.vmid(v) ?? f.numeric("integer", 100, 999999999)(v) };
