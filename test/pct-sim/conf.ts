// /etc/pve/lxc/<vmid>.conf in pct.conf(5) form: the description as leading "#" comment lines (encoded by
// PVE::Tools::encode_text: control, high-bit, '%' and ':' as %XX), then "key: value" lines sorted by key
// (PVE::LXC::Config::write_pct_config).
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { die } from "./pve-error.js";
import type { World } from "./world.js";

export type Conf = Record<string, string>;

/** Percent-encodes what PVE encodes in descriptions. */
export function encodeText(text: string): string {
  return [...Buffer.from(text, "utf8")]
    .map((b) => (b >= 0x20 && b <= 0x7e && b !== 0x25 && b !== 0x3a ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`))
    .join("");
}

/** Reverses encodeText (URI unescaping of %XX, then UTF-8). */
export function decodeText(text: string): string {
  return Buffer.from(
    text.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    "latin1",
  ).toString("utf8");
}

/** Parses a config file's main section (snapshots are not simulated). */
export function parseConf(text: string): Conf {
  const conf: Conf = {};
  const descr: string[] = [];
  for (const line of text.split("\n")) {
    if (/^\[/.test(line)) break;
    const c = /^#(.*)$/.exec(line);
    if (c) {
      descr.push(decodeText(c[1] as string));
      continue;
    }
    const kv = /^([a-z][a-z_0-9.-]*)\s*[:=]\s*(.*)$/.exec(line);
    if (kv) conf[kv[1] as string] = kv[2] as string;
  }
  if (descr.length) conf.description = descr.join("\n");
  return conf;
}

/** Prints a config: description comments first, then keys sorted. */
export function printConf(conf: Conf): string {
  const lines = (conf.description ?? "")
    .split("\n")
    .filter((l, i, a) => l !== "" || i < a.length - 1)
    .map((l) => `#${encodeText(l)}`);
  for (const k of Object.keys(conf).sort()) if (k !== "description") lines.push(`${k}: ${conf[k]}`);
  return `${lines.join("\n")}\n`;
}

/** Loads a CT's config or fails with pct's message (PVE::AbstractConfig::load_config). */
export function loadConf(w: World, vmid: string): Conf {
  const path = w.confPath(vmid);
  if (!existsSync(path)) throw die(`Configuration file 'nodes/${w.node}/lxc/${vmid}.conf' does not exist`);
  return parseConf(readFileSync(path, "utf8"));
}

/** Writes a CT's config atomically (a temporary name, then rename, as pmxcfs shows a whole file or none). */
export async function writeConf(w: World, vmid: string, conf: Conf): Promise<void> {
  const path = w.confPath(vmid);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp.${process.pid}`, printConf(conf));
  await rename(`${path}.tmp.${process.pid}`, path);
}

/** Removes a CT's config. */
export function removeConf(w: World, vmid: string): void {
  rmSync(w.confPath(vmid), { force: true });
}

/** Every CT's id on this node. */
export function listVmids(w: World): string[] {
  const dir = w.at("/etc/pve/lxc");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((n) => /^(\d+)\.conf$/.exec(n)?.[1])
    .filter((x): x is string => !!x)
    .sort((a, b) => Number(a) - Number(b));
}

/** Fails like PVE::AbstractConfig::check_lock when the CT holds a lock. */
export function checkLock(conf: Conf): void {
  if (conf.lock) throw die(`CT is locked (${conf.lock})`);
}
