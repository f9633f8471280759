// The inventory schema, described once as data in the shape of toml-schema/table.ts: the loader checks
// values against it, fills defaults from it, refuses keys it does not list, and docs/inventory.md is
// checked against it by a test.
import { isAbsolute, posix } from "node:path";
import type { KeyProblem, TableSpec } from "../toml-schema/table.js";
import { asInteger, describeValue } from "../toml-schema/values.js";
import { principalProblem } from "../trust/signatures.js";
import { quoteInput } from "../util/quote.js";
import { isHostname, parseAddr } from "./net.js";

/** The host drivers kiln has. */
export const DRIVERS = ["lxc", "proxmox"] as const;

/** Smallest and largest container id pct accepts. */
export const VMID_MIN = 100;
export const VMID_MAX = 999_999_999;

/** Names of hosts and nodes: they appear in key paths, journal lines and container names. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** Longest path the kernel takes (PATH_MAX counts the terminating NUL). */
export const PATH_MAX = 4095;

/** Checks an absolute, normalized path (no `.`/`..`, no trailing `/`, not `/`) of at most PATH_MAX characters. */
export function absPathProblem(s: string): string | undefined {
  if (s.length > PATH_MAX) return `is too long for a path (at most ${PATH_MAX} characters), got ${quoteInput(s)}`;
  if (!isAbsolute(s)) return `must be an absolute path, got ${quoteInput(s)}`;
  if (s.split("/").some((seg) => seg === "." || seg === "..")) return `must not contain '.' or '..' segments, got ${quoteInput(s)}`;
  if (s === "/") return "must not be '/'";
  const norm = posix.normalize(s).replace(/\/$/, "");
  return norm === s ? undefined : `must be normalized: write ${quoteInput(norm)}`;
}

/**
 * Checks a path that is written into an LXC config line or a pct property string (`mp0: /host,mp=/data`):
 * only characters neither format gives a meaning (',' adds a pct option, '=' a key, ':' names a volume,
 * spaces split fstab fields).
 */
export function configPathProblem(s: string): string | undefined {
  const p = absPathProblem(s);
  if (p) return p;
  const bad = /[^A-Za-z0-9/._+@-]/.exec(s)?.[0];
  return bad === undefined
    ? undefined
    : `may only hold letters, digits and '/', '.', '_', '-', '+', '@' (it goes into LXC and pct config lines, where ${quoteInput(bad)} is not plain text), got ${quoteInput(s)}`;
}

/** Checks an SSH target `[user@]host` or `local`; a leading '-' would be read by ssh as an option. */
function addressProblem(s: string): string | undefined {
  if (s === "local") return undefined;
  const m = /^(?:([a-z_][a-z0-9_.-]{0,31})@)?(.+)$/.exec(s);
  const host = m?.[2] ?? "";
  if (s.startsWith("-") || !m || (!isHostname(host) && !parseAddr(host)))
    return `must be "local" or an SSH target "[user@]host" (host name, IPv4 or IPv6 address), got ${quoteInput(s)}`;
  return undefined;
}

/** Checks a known_hosts value: an absolute file path, or known_hosts lines `host keytype base64`. */
function knownHostsProblem(s: string): string | undefined {
  // The field may span lines (several keys); a path may not.
  if (s.startsWith("/")) return /[\n\t]/.test(s) ? `must be a path without newlines or tabs, or known_hosts lines; got ${quoteInput(s)}` : absPathProblem(s);
  const bad = s
    .split("\n")
    .filter((l) => l.trim() !== "")
    .find(
      (l) => !/^(?:@(?:cert-authority|revoked)\s+)?\S+\s+(?:ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)\s+[A-Za-z0-9+/]+=*(?:\s.*)?$/.test(l.trim()),
    );
  if (bad !== undefined || s.trim() === "")
    return `must be an absolute path to a known_hosts file or known_hosts lines "HOST KEYTYPE BASE64" (ssh-keyscan prints them); could not read ${quoteInput(bad ?? s)}`;
  return undefined;
}

/** Checks a Proxmox storage id (pvesm's format). */
function storageIdProblem(s: string): string | undefined {
  return /^[a-z][a-z0-9._-]*[a-z0-9]$|^[a-z]$/.test(s)
    ? undefined
    : `must be a Proxmox storage id such as "local" (lowercase letters, digits, '-', '_', '.'), got ${quoteInput(s)}`;
}

/** Checks a Linux bridge name (at most 15 bytes, no '/' or spaces). */
function bridgeProblem(s: string): string | undefined {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(s) && s !== "." && s !== ".."
    ? undefined
    : `must be a network bridge name of 1..15 letters, digits, '_', '.', '-' (e.g. "vmbr0"), got ${quoteInput(s)}`;
}

/** Reads a `slots = [a, b]` value: two different container ids. */
function readSlots(v: unknown, key: string, out: KeyProblem[]): readonly [number, number] | undefined {
  if (!Array.isArray(v) || v.length !== 2) {
    out.push({ key, message: `must be two container ids, e.g. [1101, 1102]; got ${describeValue(v)}${Array.isArray(v) ? ` of ${v.length}` : ""}` });
    return undefined;
  }
  const ids = v.map((id: unknown, i) => {
    const n = asInteger(id);
    if (n !== undefined && n >= VMID_MIN && n <= VMID_MAX) return n;
    out.push({ key: `${key}[${i}]`, message: `must be a container id (vmid) between ${VMID_MIN} and ${VMID_MAX}, as pct requires; got ${describeValue(id)}` });
    return undefined;
  });
  const [a, b] = ids;
  if (a === undefined || b === undefined) return undefined;
  if (a !== b) return [a, b];
  out.push({ key: `${key}[1]`, message: `must differ from slots[0] (${a}): a node alternates between two containers` });
  return undefined;
}

export const HOST_TABLE: TableSpec = {
  header: "[hosts.<name>]",
  description: "A machine that runs node containers, reached locally or over OpenSSH.",
  fields: [
    {
      key: "address",
      kind: "string",
      required: true,
      check: addressProblem,
      description: '`"local"` (kiln runs the commands itself) or an SSH target `[user@]host`.',
    },
    { key: "port", kind: "int", min: 1, max: 65535, description: 'SSH port (default 22). Not allowed with `address = "local"`.' },
    {
      key: "driver",
      kind: "enum",
      required: true,
      values: DRIVERS,
      description: "`lxc`: plain LXC (lxc-create/start/stop/attach/destroy); `proxmox`: `pct` and `pvesm` on a Proxmox VE host.",
    },
    {
      key: "storage",
      kind: "string",
      description:
        'lxc: the LXC path (lxc.lxcpath) containers live in, default `"/var/lib/lxc"`; proxmox: the storage id templates are uploaded to, default `"local"`.',
    },
    {
      key: "root_storage",
      prop: "rootStorage",
      kind: "string",
      check: storageIdProblem,
      description:
        'proxmox only: the storage id container root volumes are made on, one with content `rootdir` (default `"local-lvm"`; `"local-zfs"` on a ZFS install). A stock `local` holds templates, not root volumes.',
    },
    {
      key: "template_format",
      prop: "templateFormat",
      kind: "enum",
      values: ["vztmpl", "oci"],
      description:
        'proxmox only: how templates are uploaded: `"vztmpl"` (default) the store\'s `.tar.zst`; `"oci"` an oci-archive (`kiln oci --format archive`), which `pct create` takes from Proxmox VE 9.1 (pve-container 6.0.15, libpve-storage-perl 9.0.15) on.',
    },
    {
      key: "state_dir",
      prop: "stateDir",
      kind: "string",
      default: "/var/lib/kiln",
      check: absPathProblem,
      description: "Directory on the host where kiln keeps templates and per-node identity (SSH host keys).",
    },
    {
      key: "known_hosts",
      prop: "knownHosts",
      kind: "string",
      multiline: true,
      check: knownHostsProblem,
      description:
        "The host's SSH key: known_hosts lines (`ssh-keyscan` output) or an absolute path to a known_hosts file. ssh runs with StrictHostKeyChecking=yes against it.",
    },
    {
      key: "identity_file",
      prop: "identityFile",
      kind: "string",
      description: "SSH private key to log in with; relative paths are taken from the inventory's directory.",
    },
    {
      key: "parallel",
      kind: "int",
      default: 2,
      min: 1,
      max: 64,
      description: "Most nodes swapped at the same time on this host (hosts always run in parallel).",
    },
  ],
};

export const NODE_TABLE: TableSpec = {
  header: "[nodes.<name>]",
  description: "One service container: two slot ids it alternates between, and the identity that survives every swap.",
  fields: [
    { key: "host", kind: "string", required: true, description: "Name of the `[hosts.<name>]` table it runs on." },
    {
      key: "slots",
      kind: "custom",
      read: readSlots,
      required: true,
      description: `Two different container ids (vmids, ${VMID_MIN}..${VMID_MAX}) the node alternates between; the stopped one keeps the previous image for a rollback flip.`,
    },
    {
      key: "hostname",
      kind: "string",
      check: (s) =>
        isHostname(s) ? undefined : `must be an RFC 1123 host name (labels of letters, digits and inner '-', at most 63 each), got ${quoteInput(s)}`,
      description: "The container's host name (default: the node's name).",
    },
    { key: "cores", kind: "int", default: 1, min: 1, max: 8192, description: "CPU cores." },
    { key: "memory", kind: "int", default: 512, min: 16, max: 4_194_304, description: "Memory in MiB (pct's minimum is 16)." },
    { key: "disk", kind: "int", default: 4, min: 1, max: 131_072, description: "Root disk size in GiB." },
    {
      key: "role",
      kind: "string",
      check: (s) => (/^[A-Za-z0-9_.-]{1,63}$/.test(s) ? undefined : `must be a short word (letters, digits, '_', '.', '-'), got ${quoteInput(s)}`),
      description: "Free label for reports (e.g. `camera`, `proxy`).",
    },
  ],
};

export const NETWORK_TABLE: TableSpec = {
  header: "[nodes.<name>.network]",
  description: "The node's single network interface (eth0). Required: a node's MAC is part of its identity.",
  fields: [
    { key: "bridge", kind: "string", required: true, check: bridgeProblem, description: "Host bridge the interface is attached to (e.g. `vmbr0`, `lxcbr0`)." },
    { key: "ip", kind: "string", required: true, description: '`"dhcp"` or an address with prefix length: `"10.0.0.11/24"`, `"fd00::11/64"`.' },
    { key: "gateway", kind: "string", description: 'Default route; must lie inside the subnet of `ip`. Not allowed with `ip = "dhcp"`.' },
    {
      key: "mac",
      kind: "string",
      required: true,
      description: 'Fixed unicast MAC, e.g. a locally administered `"02:4b:49:4c:4e:01"`; unique in the inventory.',
    },
    {
      key: "ipam",
      kind: "bool",
      default: false,
      description:
        "proxmox: `true` when `bridge` is an SDN vnet whose zone has IPAM. `pct destroy` there deletes the address entries of the slot's MAC, which the running slot shares, so kiln refuses every plan that destroys a slot of the node.",
    },
  ],
};

export const MOUNT_TABLE: TableSpec = {
  header: "[[nodes.<name>.mount]]",
  description: "A data directory bind-mounted from the host; it is the same directory in both slots, so data survives every swap.",
  fields: [
    { key: "host", kind: "string", required: true, check: configPathProblem, description: "Absolute path on the host." },
    { key: "path", kind: "string", required: true, check: configPathProblem, description: "Absolute path in the container." },
    { key: "read_only", prop: "readOnly", kind: "bool", default: false, description: "Mount read-only." },
  ],
};

/** Checks a file path (relative to the inventory or absolute): not empty, not too long (controls are refused for every string). */
function filePathProblem(s: string): string | undefined {
  if (s === "") return "must be a path to a file, got an empty string";
  return s.length > PATH_MAX ? `is too long for a path (at most ${PATH_MAX} characters), got ${quoteInput(s)}` : undefined;
}

export const TRUST_TABLE: TableSpec = {
  header: "[trust]",
  description:
    "Which images may be deployed: `kiln deploy` and `kiln rollback` refuse an image whose manifest is not signed by every listed principal, or whose template does not hash to what the signed manifest says.",
  fields: [
    {
      key: "allowed_signers",
      prop: "allowedSigners",
      kind: "string",
      required: true,
      check: filePathProblem,
      description: "allowed_signers file (git's format: `PRINCIPAL KEYTYPE BASE64` lines); relative paths are taken from the inventory's directory.",
    },
    {
      key: "principals",
      kind: "words",
      required: true,
      check: principalProblem,
      description: 'Principals that must all have signed, e.g. `["ci", "release"]` (letters, digits, `.`, `_`, `@`, `+`, `-`).',
    },
    {
      key: "require_provenance",
      prop: "requireProvenance",
      kind: "bool",
      default: false,
      description: "Also require the image's provenance.json (SLSA provenance naming this image) signed by every listed principal.",
    },
  ],
};

/** Top-level keys of an inventory file. */
export const TOP_KEYS = ["hosts", "nodes", "trust"] as const;
/** Sub-tables of a node table (besides its fields). */
export const NODE_SUBTABLES = ["network", "mount"] as const;

/** Default `storage` per driver. */
export const DEFAULT_STORAGE: Readonly<Record<(typeof DRIVERS)[number], string>> = { lxc: "/var/lib/lxc", proxmox: "local" };

/** Default `root_storage` of a proxmox host: the LVM-thin pool a stock install makes. */
export const DEFAULT_ROOT_STORAGE = "local-lvm";

/** Storage check per driver: an LXC path is a directory (written into lxc.rootfs.path), a Proxmox storage is an id. */
export function storageProblem(driver: "lxc" | "proxmox", s: string): string | undefined {
  return driver === "lxc" ? configPathProblem(s) : storageIdProblem(s);
}
