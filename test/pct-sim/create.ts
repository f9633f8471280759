// `pct create <vmid> <ostemplate> [OPTIONS]` on real LXC, following PVE::API2::LXC::create_vm: refuse a
// vmid in use ("CT <vmid> already exists on node '<node>'"), check the template volume and the root
// storage, write the config locked ("lock: create"), allocate the root volume, unpack the template
// (PVE::LXC::Create::restore_tar_archive), run the Debian post-create setup (network, hostname, DNS,
// machine-id, fresh SSH host keys), unlock; on any failure remove what was made and report
// "unable to create CT <vmid> - <why>".
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { postCreateFiles } from "./debian-setup.js";
import { detectArch, detectOstype } from "./detect.js";
import { run } from "./proc.js";
import { pctTarArgv } from "./tar.js";
import { loadConf, writeConf, removeConf, type Conf } from "./conf.js";
import { usageLine } from "./getopt.js";
import { parseParams, refuseUnsimulated, type Command, type Params } from "./params.js";
import { printPropertyString } from "./property-string.js";
import { die, paramError, PveError } from "./pve-error.js";
import { bindMounts, setupInside } from "./runtime.js";
import { CREATE_OPTIONS, MP_FORMAT, NET_FORMAT } from "./schema.js";
import { startCt } from "./lifecycle.js";
import { checkOciSupported, extractOciArchive, isOciArchive } from "./oci.js";
import { newRootVolume, parseVolume, storage, type Storage, type World } from "./world.js";
import type { Io } from "./io.js";

export const CREATE: Command = { prefix: "pct create", args: ["vmid", "ostemplate"], options: CREATE_OPTIONS };

/** Keys copied from the parameters into the config as given. */
const PLAIN_KEYS = ["arch", "cores", "features", "hostname", "memory", "swap", "ostype", "onboot", "tags", "tty", "nameserver", "searchdomain", "description"];

/** A random MAC in Proxmox's OUI, as PVE::Tools::random_ether_addr gives (BC:24:11 prefix). */
function randomMac(): string {
  return `BC:24:11:${[...randomBytes(3)].map((b) => b.toString(16).toUpperCase().padStart(2, "0")).join(":")}`;
}

/** Checks of create's arguments beyond their syntax, before anything is written. */
function checkCreate(w: World, p: Params): { template: string; rootStorage: Storage; size: string } {
  const v = p.values;
  const vmid = v.vmid as string;
  if (v.unprivileged !== "0") throw die("pct-sim: unprivileged containers (pct create's default) are not simulated: pass --unprivileged 0");
  for (const k of Object.keys(v)) if (/^net([1-9]\d*)$/.test(k)) throw die(`pct-sim: --${k} is valid pct syntax, but only net0 is simulated`);
  if (existsSync(w.confPath(vmid))) throw die(`CT ${vmid} already exists on node '${w.node}'`);
  const defaultStorage = v.storage ?? "local";
  const ostemplate = v.ostemplate as string;
  const vol = parseVolume(w, ostemplate);
  if (vol && vol.vtype !== "vztmpl") throw die(`unable to use volume ${ostemplate} - content type needs to be 'vztmpl'`);
  if (!vol && !ostemplate.startsWith("/")) throw die(`unable to parse volume ID '${ostemplate}'`);
  const rootfs = p.parsed.rootfs?.volume ?? `${defaultStorage}:4`;
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(\d+(\.\d+)?)$/i.exec(/^\d+(\.\d+)?$/.test(rootfs) ? `${defaultStorage}:${rootfs}` : rootfs);
  if (!m) throw die("pct-sim: only new root volumes (--rootfs <storage>:<size in GiB>) are simulated");
  const rs = storage(w, m[1] as string);
  if (!rs.content.includes("rootdir"))
    throw paramError({
      msg: "Parameter verification failed.",
      errors: { storage: `storage '${rs.id}' does not support container directories` },
      usage: usageLine(CREATE),
    });
  for (const [k, mp] of Object.entries(p.parsed)) {
    if (/^mp\d+$/.test(k) && !(mp.volume ?? "").startsWith("/")) throw die(`pct-sim: --${k}: only bind mounts of host directories are simulated`);
  }
  return { template: vol ? w.at(vol.path) : ostemplate, rootStorage: rs, size: m[2] as string };
}

/** The config create writes, from the parameters. */
function configFrom(p: Params, rootVolume: string, size: string): Conf {
  const conf: Conf = { memory: "512", swap: "512", hostname: `CT${p.values.vmid}` };
  for (const k of PLAIN_KEYS) if (p.values[k] !== undefined) conf[k] = p.values[k] as string;
  conf.rootfs = `${rootVolume},size=${size}G`;
  if (p.parsed.net0) conf.net0 = printPropertyString(NET_FORMAT, { type: "veth", ...p.parsed.net0, hwaddr: p.parsed.net0.hwaddr ?? randomMac() });
  for (const [k, mp] of Object.entries(p.parsed)) if (/^mp\d+$/.test(k)) conf[k] = printPropertyString(MP_FORMAT, mp);
  return conf;
}

/** Post-create setup inside the new rootfs (PVE::LXC::Setup::Base::post_create_hook for Debian). */
async function postCreate(w: World, vmid: string, conf: Conf, root: string, io: Io): Promise<void> {
  await setupInside(w, vmid, conf);
  io.out("Creating SSH host keys (rsa, ecdsa, ed25519) ...\n");
  await postCreateFiles(root, conf, conf.hostname ?? `CT${vmid}`);
}

/**
 * Bind-mounts the mpN directories into the new root, as PVE::LXC::mount_all does before the template is
 * unpacked (so template files under a mount path land in the host directory); returns the unmount.
 */
async function mountBinds(root: string, conf: Conf): Promise<() => Promise<void>> {
  const done: string[] = [];
  // A lazy unmount when a plain one fails: a host directory must never stay under a root that is removed.
  const undo = async () => {
    for (const t of done.reverse()) if ((await run(["umount", t], { allowFailure: true })).exitCode !== 0) await run(["umount", "-l", t]);
  };
  try {
    for (const m of bindMounts(conf).sort((a, b) => a.path.localeCompare(b.path))) {
      // PVE::LXC::mountpoint_mount: a bind source must be a directory.
      if (!existsSync(m.host)) throw die(`directory '${m.host}' does not exist`);
      const target = join(root, m.path);
      await mkdir(target, { recursive: true });
      await run(["mount", "--bind", m.host, target]);
      done.push(target);
    }
  } catch (e) {
    await undo();
    throw e;
  }
  return undo;
}

/** Fails as unpacking fails when the template does not fit a fixed-size root volume (LVM, ZFS, a dir storage's raw image). */
async function checkFits(root: string, sizeGiB: string): Promise<void> {
  const used = Number.parseInt((await run(["du", "-s", "-B1", "--one-file-system", root])).stdout, 10);
  if (used > Number(sizeGiB) * 1024 ** 3) throw die("tar: Cannot write: No space left on device\ntar: Exiting with failure status due to previous errors");
}

/** pct create. */
export async function create(w: World, argv: readonly string[], io: Io): Promise<void> {
  const p = parseParams(CREATE, argv);
  refuseUnsimulated(CREATE, p);
  const { template, rootStorage, size } = checkCreate(w, p);
  const oci = existsSync(template) && (await isOciArchive(template));
  if (oci) checkOciSupported(w, p.values.ostemplate as string);
  const vmid = p.values.vmid as string;
  const rootVolume = newRootVolume(rootStorage, vmid);
  const conf = configFrom(p, rootVolume, size);
  await writeConf(w, vmid, { ...conf, lock: "create" });
  const root = w.at(parseVolume(w, rootVolume)?.path as string);
  try {
    if (existsSync(root)) throw die(`volume '${rootVolume}' already exists`);
    await mkdir(root, { recursive: true, mode: 0o755 });
    const unmount = await mountBinds(root, conf);
    try {
      if (!existsSync(template)) throw die(`volume '${p.values.ostemplate}' does not exist`);
      io.out(oci ? "Detected OCI archive\n" : `extracting archive '${template}'\n`);
      if (oci) await extractOciArchive(template, root);
      else await run(pctTarArgv(template, root), { timeoutMs: 20 * 60_000 });
    } finally {
      await unmount();
    }
    await checkFits(root, size);
    conf.arch ??= (await detectArch(root)) ?? "amd64";
    conf.ostype ??= await detectOstype(root);
    io.out(`Detected OS distribution as '${conf.ostype}'\n`);
    await postCreate(w, vmid, conf, root, io);
    await writeConf(w, vmid, conf);
  } catch (e) {
    removeConf(w, vmid);
    await rm(root, { recursive: true, force: true });
    throw die(`unable to create CT ${vmid} - ${(e instanceof PveError ? e.message : (e as Error).message).trimEnd()}`);
  }
  if (p.values.start === "1") await startCt(w, vmid, loadConf(w, vmid));
}
