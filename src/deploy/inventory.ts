// Loads an inventory (TOML, one per environment): `[hosts.<name>]` and `[nodes.<name>]` tables, checked
// against inventory-schema.ts and the cross-node rules before any command is built. Every problem is
// reported at once as `file:line: key.path: message` (UserError, exit 2).
import TOML from "@iarna/toml";
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { UserError, type Problem } from "../errors.js";
import { locator, type Locator } from "../recipe/locate.js";
import { displayPath } from "../recipe/layer.js";
import { isTable, readFields, unknownKey, type Fields, type KeyProblem } from "./inventory-fields.js";
import { crossCheck, networkProblems, type NodeDraft } from "./inventory-rules.js";
import {
  DEFAULT_ROOT_STORAGE,
  DEFAULT_STORAGE,
  HOST_TABLE,
  MOUNT_TABLE,
  NAME_PATTERN,
  NETWORK_TABLE,
  NODE_SUBTABLES,
  NODE_TABLE,
  TOP_KEYS,
  TRUST_TABLE,
  storageProblem,
} from "./inventory-schema.js";
import type { HostInventory, Inventory, Mount, NodeInventory } from "./types.js";
import { escapeControls, quoteInput } from "../util/quote.js";

/** Reads and validates the inventory at `path`. */
export async function loadInventory(path: string): Promise<Inventory> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError({
      file: displayPath(file),
      message:
        code === "ENOENT"
          ? "no such inventory file (give --inventory PATH to a TOML inventory; see docs/inventory.md)"
          : `cannot read the inventory: ${(e as Error).message}`,
    });
  }
  return parseInventory(text, file);
}

/** Parses and validates inventory text; `file` is its absolute path (the journal lives next to it). */
export function parseInventory(text: string, file: string): Inventory {
  let doc: Record<string, unknown>;
  try {
    doc = TOML.parse(text) as Record<string, unknown>;
  } catch (e) {
    const err = e as { line?: number; message: string };
    const first = (err.message.split("\n")[0] ?? "").replace(/ at row \d+, col \d+, pos \d+:?$/, "");
    throw new UserError({ file: displayPath(file), line: typeof err.line === "number" ? err.line + 1 : undefined, message: `not valid TOML: ${first}` });
  }
  const out: KeyProblem[] = [];
  for (const key of Object.keys(doc)) if (!(TOP_KEYS as readonly string[]).includes(key)) out.push(unknownKey(key, key, TOP_KEYS));
  const hosts = entries(doc, "hosts", out).map(([name, t]) => readHost(name, t, dirname(file), out));
  const nodes = entries(doc, "nodes", out).map(([name, t]) => readNode(name, t, out));
  const trust = readTrust(doc.trust, dirname(file), out);
  out.push(...crossCheck({ hosts, nodes }));
  if (out.length) {
    const line = lineOf(doc, locator(text));
    // A key path holds TOML keys as written, which may carry control characters: escaped for the terminal.
    const problems: Problem[] = out.map((p) => ({ file: displayPath(file), line: line(p.key), key: escapeControls(p.key), message: p.message }));
    throw new UserError([...problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity)));
  }
  return { path: file, hosts: hosts as HostInventory[], nodes: nodes as NodeInventory[], ...(trust ? { trust } : {}) };
}

/**
 * A key's line; for a table only ever written through its children (`[node.cam2]` makes `node`), the line
 * of its first child.
 */
function lineOf(doc: Record<string, unknown>, locate: Locator): (key: string) => number | undefined {
  return (key) => {
    let k = key;
    let v: unknown = key.includes(".") ? undefined : doc[key];
    for (let line = locate(k); ; line = locate(k)) {
      if (line !== undefined || !isTable(v)) return line;
      const first = Object.keys(v)[0];
      if (first === undefined) return undefined;
      k = `${k}.${first}`;
      v = v[first];
    }
  };
}

/** The named tables under `hosts` or `nodes`, checking names; refuses an inventory without any. */
function entries(doc: Record<string, unknown>, key: "hosts" | "nodes", out: KeyProblem[]): [string, Record<string, unknown>][] {
  const v = doc[key];
  const example = key === "hosts" ? "[hosts.alpha]" : "[nodes.cam1]";
  if (v === undefined || (isTable(v) && Object.keys(v).length === 0)) {
    out.push({ key, message: `the inventory has no ${key}: add at least one ${example} table (docs/inventory.md)` });
    return [];
  }
  if (!isTable(v)) {
    out.push({ key, message: `must be tables such as ${example}` });
    return [];
  }
  return Object.entries(v).flatMap(([name, t]): [string, Record<string, unknown>][] => {
    if (!NAME_PATTERN.test(name))
      out.push({ key: `${key}.${name}`, message: `name must be 1..63 letters, digits, '_' or '-' starting with a letter or digit, got ${quoteInput(name)}` });
    if (!isTable(t)) {
      out.push({ key: `${key}.${name}`, message: `must be a table (${example} followed by its keys)` });
      return [];
    }
    return [[name, t]];
  });
}

/** One host, checked; a value left undefined had a problem (already reported). */
function readHost(name: string, t: Record<string, unknown>, dir: string, out: KeyProblem[]): Partial<HostInventory> & { name: string } {
  const path = `hosts.${name}`;
  const f = readFields({ table: t, spec: HOST_TABLE, path, out });
  const driver = f.driver as HostInventory["driver"] | undefined;
  let storage = f.storage as string | undefined;
  if (driver && storage === undefined && t.storage === undefined) storage = DEFAULT_STORAGE[driver];
  const sp = driver && storage !== undefined ? storageProblem(driver, storage) : undefined;
  if (sp) out.push({ key: `${path}.storage`, message: sp });
  const rootStorage = f.rootStorage as string | undefined;
  if (driver === "lxc" && t.root_storage !== undefined)
    out.push({ key: `${path}.root_storage`, message: 'is for driver = "proxmox" only (lxc keeps root filesystems under storage); remove it' });
  const templateFormat = f.templateFormat as HostInventory["templateFormat"];
  if (driver === "lxc" && t.template_format !== undefined)
    out.push({ key: `${path}.template_format`, message: 'is for driver = "proxmox" only (lxc takes the store\'s template as it is); remove it' });
  if (f.address === "local" && f.port !== undefined) out.push({ key: `${path}.port`, message: 'has no meaning for address = "local"; remove it' });
  const identity = f.identityFile as string | undefined;
  return {
    name,
    address: f.address as string | undefined,
    port: f.address === "local" ? undefined : ((f.port as number | undefined) ?? 22),
    driver,
    storage,
    ...(driver === "proxmox" ? { rootStorage: rootStorage ?? DEFAULT_ROOT_STORAGE, templateFormat: templateFormat ?? "vztmpl" } : {}),
    stateDir: f.stateDir as string | undefined,
    knownHosts: f.knownHosts as string | undefined,
    identityFile: identity === undefined ? undefined : resolve(dir, identity),
    parallel: f.parallel as number | undefined,
  };
}

/** `[trust]` (optional): allowed_signers resolved from the inventory's directory, principals all required. */
function readTrust(v: unknown, dir: string, out: KeyProblem[]): Inventory["trust"] {
  if (v === undefined) return undefined;
  if (!isTable(v)) {
    out.push({ key: "trust", message: "must be a table: [trust] with allowed_signers and principals" });
    return undefined;
  }
  const f = readFields({ table: v, spec: TRUST_TABLE, path: "trust", out });
  const signers = f.allowedSigners as string | undefined;
  const principals = f.principals as readonly string[] | undefined;
  const requireProvenance = f.requireProvenance === true;
  return signers !== undefined && principals !== undefined ? { allowedSigners: resolve(dir, signers), principals, requireProvenance } : undefined;
}

/** One node with its network and mounts, checked. */
function readNode(name: string, t: Record<string, unknown>, out: KeyProblem[]): NodeDraft {
  const path = `nodes.${name}`;
  const f: Fields = readFields({ table: t, spec: NODE_TABLE, path, extra: NODE_SUBTABLES, out });
  let hostname = f.hostname as string | undefined;
  if (t.hostname === undefined && NAME_PATTERN.test(name)) {
    hostname = name;
    if (!/^[A-Za-z0-9-]+$/.test(name) || name.startsWith("-") || name.endsWith("-")) {
      out.push({ key: `${path}.hostname`, message: `the node name ${quoteInput(name)} is not a valid host name; set hostname = "…" explicitly` });
      hostname = undefined;
    }
  }
  return {
    name,
    host: f.host as string | undefined,
    slots: f.slots as readonly [number, number] | undefined,
    hostname,
    cores: f.cores as number | undefined,
    memory: f.memory as number | undefined,
    disk: f.disk as number | undefined,
    role: f.role as string | undefined,
    network: readNetwork(t.network, `${path}.network`, out),
    mounts: readMounts(t.mount, `${path}.mount`, out),
  };
}

/** `[nodes.<name>.network]`: required, with IP/gateway rules. */
function readNetwork(v: unknown, path: string, out: KeyProblem[]): NodeInventory["network"] | undefined {
  if (v === undefined) {
    out.push({ key: path, message: `is required: add a [${path}] table with bridge, ip and mac (the MAC is part of the node's identity)` });
    return undefined;
  }
  if (!isTable(v)) {
    out.push({ key: path, message: `must be a table with bridge, ip, gateway, mac` });
    return undefined;
  }
  const f = readFields({ table: v, spec: NETWORK_TABLE, path, out });
  const net = {
    bridge: f.bridge as string,
    ip: f.ip as string,
    gateway: f.gateway as string | undefined,
    mac: f.mac as string,
    ...(f.ipam === true ? { ipam: true } : {}),
  };
  const more = networkProblems(net, path);
  out.push(...more);
  return f.bridge !== undefined && f.ip !== undefined && f.mac !== undefined && !more.length ? net : undefined;
}

/** `[[nodes.<name>.mount]]`: each entry checked; bad entries are left out. */
function readMounts(v: unknown, path: string, out: KeyProblem[]): readonly (Mount | undefined)[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    out.push({ key: path, message: `must be an array of tables: write each mount as [[${path}]]` });
    return undefined;
  }
  // Bad entries stay as undefined so that later messages keep each mount's own index.
  return v.map((m: unknown, i): Mount | undefined => {
    if (!isTable(m)) {
      out.push({ key: `${path}[${i}]`, message: "must be a table with host, path, read_only" });
      return undefined;
    }
    const f = readFields({ table: m, spec: MOUNT_TABLE, path: `${path}[${i}]`, out });
    return typeof f.host === "string" && typeof f.path === "string" ? { host: f.host, path: f.path, readOnly: f.readOnly === true } : undefined;
  });
}

/** The inventory's short name: its file name without `.toml` (names the store's pin file). */
export function inventoryName(inv: Pick<Inventory, "path">): string {
  return basename(inv.path).replace(/\.toml$/, "");
}

/** The nodes named by `--nodes a,b` (all when none are named); unknown names are bad input. */
export function selectNodes(inv: Inventory, names?: readonly string[]): readonly NodeInventory[] {
  if (!names || names.length === 0) return inv.nodes;
  const unknown = names.filter((n) => !inv.nodes.some((x) => x.name === n));
  if (unknown.length)
    throw new UserError(
      unknown.map((n) => ({
        key: "--nodes",
        message: `no node ${quoteInput(n)} in ${displayPath(inv.path)} (it has ${inv.nodes.map((x) => x.name).join(", ")})`,
      })),
    );
  return inv.nodes.filter((n) => names.includes(n.name));
}
