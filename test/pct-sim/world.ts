// The simulated Proxmox node: everything lives under $PCT_SIM_ROOT, laid out as on a PVE host:
// /etc/pve/lxc/<vmid>.conf (pct.conf(5)), /etc/pve/storage.cfg, storage "dir" paths such as /var/lib/vz
// (template/cache for vztmpl, images/<vmid>/ for container volumes), and /var/lib/lxc as LXC's path.
// Block storages (lvmthin, lvm, zfspool) hold only container volumes, simulated as directories under
// /var/lib/pct-sim/<storage id>/ (their size is checked after unpacking, not enforced by a filesystem).
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { versionAtLeast } from "./version.js";
import { die } from "./pve-error.js";

/** A storage from storage.cfg. */
export interface Storage {
  readonly id: string;
  readonly type: string;
  /** Path as configured (a PVE path); real location is under the sim root. */
  readonly path: string;
  readonly content: readonly string[];
}

export interface World {
  readonly root: string;
  readonly node: string;
  /** A PVE path ("/var/lib/vz") as a real path under the sim root. */
  at(pvePath: string): string;
  readonly lxcpath: string;
  confPath(vmid: string): string;
  storages(): readonly Storage[];
  /** Package versions `pveversion -v` reports (PCT_SIM_VERSIONS overrides the defaults). */
  readonly versions: ReadonlyMap<string, string>;
}

/** storage.cfg of a stock install (LVM-thin root disk): "local" holds no root volumes, "local-lvm" does. */
const DEFAULT_STORAGE_CFG =
  "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nlvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n";

/** Storage types the simulator models: file storage, and block storages for container volumes. */
const BLOCK_TYPES = ["lvmthin", "lvm", "zfspool"];

/** Versions of a current Proxmox VE 9 node; PCT_SIM_VERSIONS="pve-container=5.0.8,…" plays another. */
const DEFAULT_VERSIONS: Readonly<Record<string, string>> = {
  "proxmox-ve": "9.1.0",
  "pve-manager": "9.1.1",
  "pve-container": "6.0.18",
  "libpve-storage-perl": "9.1.0",
};

/** The simulated node's package versions. */
function versionsOf(spec: string | undefined): Map<string, string> {
  const out = new Map(Object.entries(DEFAULT_VERSIONS));
  for (const kv of (spec ?? "").split(",").filter(Boolean)) {
    const [k, v] = kv.split("=");
    if (k && v) out.set(k.trim(), v.trim());
  }
  return out;
}

/** The world named by PCT_SIM_ROOT (required: the simulator never touches the real /etc/pve). */
export function world(env: NodeJS.ProcessEnv = process.env): World {
  const root = env.PCT_SIM_ROOT;
  if (!root?.startsWith("/")) throw die("pct-sim: set PCT_SIM_ROOT to the absolute directory that plays the Proxmox node's /");
  const at = (p: string) => join(root, p);
  return {
    root,
    node: env.PCT_SIM_NODE ?? hostname().replace(/\..*$/, ""),
    at,
    lxcpath: at("/var/lib/lxc"),
    confPath: (vmid) => at(`/etc/pve/lxc/${vmid}.conf`),
    versions: versionsOf(env.PCT_SIM_VERSIONS),
    storages: () => parseStorageCfg(existsSync(at("/etc/pve/storage.cfg")) ? readFileSync(at("/etc/pve/storage.cfg"), "utf8") : DEFAULT_STORAGE_CFG),
  };
}

/** Parses storage.cfg sections ("<type>: <id>" then tab-indented "key value" lines). */
export function parseStorageCfg(text: string): Storage[] {
  const out: Storage[] = [];
  let cur: { type: string; id: string; kv: Record<string, string> } | undefined;
  const flush = () => {
    if (cur) out.push({ id: cur.id, type: cur.type, path: cur.kv.path ?? "", content: (cur.kv.content ?? "").split(",").filter(Boolean) });
  };
  for (const line of text.split("\n")) {
    const head = /^(\w+):\s*(\S+)\s*$/.exec(line);
    if (head) {
      flush();
      cur = { type: head[1] as string, id: head[2] as string, kv: {} };
      continue;
    }
    const kv = /^\s+(\S+)\s+(.*)$/.exec(line);
    if (kv && cur) cur.kv[kv[1] as string] = (kv[2] as string).trim();
  }
  flush();
  return out;
}

/** A storage by id, or pct's error. */
export function storage(w: World, id: string): Storage {
  const s = w.storages().find((x) => x.id === id);
  if (!s) throw die(`storage '${id}' does not exist`);
  if (s.type !== "dir" && !BLOCK_TYPES.includes(s.type))
    throw die(`pct-sim: storage '${id}' is of type '${s.type}'; only dir, ${BLOCK_TYPES.join(", ")} storages are simulated`);
  return s;
}

export interface Volume {
  readonly storage: Storage;
  readonly vtype: "vztmpl" | "iso" | "images" | "backup";
  readonly name: string;
  /** PVE path of the volume. */
  readonly path: string;
}

/** Template names the storage code accepts: .tar.{gz,xz,zst,bz2}; plain .tar since libpve-storage-perl 9.0.15. */
export function templateNameRe(w: World): RegExp {
  return versionAtLeast(w.versions.get("libpve-storage-perl") ?? "0", "9.0.15") ? /\.(tar|tar\.(gz|xz|zst|bz2))$/i : /\.tar\.(gz|xz|zst|bz2)$/i;
}

/** Parses "<storage>:<volname>" (PVE::Storage::Plugin::parse_volname and the LVM/ZFS plugins'); undefined for a plain path. */
export function parseVolume(w: World, volid: string): Volume | undefined {
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(volid);
  if (!m) return undefined;
  const s = storage(w, m[1] as string);
  const name = m[2] as string;
  if (s.type !== "dir") {
    if (/^(vm|subvol)-\d+-disk-\d+$/.test(name)) return { storage: s, vtype: "images", name, path: `/var/lib/pct-sim/${s.id}/${name}` };
    throw die(`unable to parse ${s.type === "zfspool" ? "zfs" : "lvm"} volume name '${name}'`);
  }
  const sub: Array<[RegExp, Volume["vtype"], string]> = [
    [/^vztmpl\/([^/]+)$/, "vztmpl", "template/cache"],
    [/^iso\/([^/]+)$/, "iso", "template/iso"],
    [/^backup\/([^/]+)$/, "backup", "dump"],
    [/^(\d+\/[^/]+)$/, "images", "images"],
  ];
  for (const [re, vtype, dir] of sub) {
    const x = re.exec(name);
    if (x && (vtype !== "vztmpl" || templateNameRe(w).test(x[1] as string)))
      return { storage: s, vtype, name: x[1] as string, path: `${s.path}/${dir}/${x[1]}` };
  }
  throw die(`unable to parse directory volume name '${name}'`);
}

/** The name of a new root volume on storage `s` (dir: a subvolume directory; LVM-thin: vm-…; ZFS: subvol-…). */
export function newRootVolume(s: Storage, vmid: string): string {
  if (s.type === "dir") return `${s.id}:${vmid}/subvol-${vmid}-disk-0`;
  return `${s.id}:${s.type === "zfspool" ? "subvol" : "vm"}-${vmid}-disk-0`;
}
