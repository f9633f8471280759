// Loads an inventory (TOML, one per environment): `[hosts.<name>]` and `[nodes.<name>]` tables, checked
// against schema.ts (through toml-schema/) and the cross-node rules before any command is built. Every
// problem is reported at once as `file:line: key.path: message` (UserError, exit 2).
import { basename, resolve } from "node:path";
import { type Problem, UserError } from "../errors.js";
import { isDocument, parseTomlDocument, readTomlDocument, type TomlDocument } from "../toml-schema/document.js";
import { enumField, type Fields, type KeyProblem, numberField, readTable, stringField, wordsField } from "../toml-schema/table.js";
import { isTable, unknownKeyMessage } from "../toml-schema/values.js";
import { displayPath } from "../util/display-path.js";
import { escapeControls, quoteInput } from "../util/quote.js";
import { crossCheck, type NodeDraft, networkProblems } from "./rules.js";
import {
  DEFAULT_ROOT_STORAGE,
  DEFAULT_STORAGE,
  DRIVERS,
  HOST_TABLE,
  MOUNT_TABLE,
  NAME_PATTERN,
  NETWORK_TABLE,
  NODE_SUBTABLES,
  NODE_TABLE,
  TOP_KEYS,
  TRUST_TABLE,
  storageProblem,
} from "./schema.js";
import type { HostInventory, Inventory, Mount, NodeInventory } from "./types.js";

/** Where to read about inventories, for "no such file". */
const HINT = "give --inventory PATH to a TOML inventory; see docs/inventory.md";

/** Reads and validates the inventory at `path`. */
export async function loadInventory(path: string): Promise<Inventory> {
  const d = await readTomlDocument(resolve(path), { noun: "inventory", hint: HINT });
  if (!isDocument(d)) throw new UserError(d);
  return checkInventory(d);
}

/** Parses and validates inventory text; `file` is its absolute path (the journal lives next to it). */
export function parseInventory(text: string, file: string): Inventory {
  const d = parseTomlDocument(text, file);
  if (!isDocument(d)) throw new UserError(d);
  return checkInventory(d);
}

/** Checks a parsed inventory against the schema and the cross-node rules; every problem at once. */
function checkInventory(d: TomlDocument): Inventory {
  const { doc, file } = d;
  const out: KeyProblem[] = [];
  for (const key of Object.keys(doc))
    if (!TOP_KEYS.some((k) => k === key)) out.push({ key, message: unknownKeyMessage(key, TOP_KEYS, "at the top of an inventory") });
  const hosts = entries(doc, "hosts", out).map(([name, t]) => readHost(name, t, d.dir, out));
  const nodes = entries(doc, "nodes", out).map(([name, t]) => readNode(name, t, out));
  const trust = readTrust(doc.trust, d.dir, out);
  out.push(...crossCheck({ hosts, nodes }));
  if (out.length) {
    // A key path holds TOML keys as written, which may carry control characters: escaped for the terminal.
    const problems: Problem[] = out.map((p) => ({ file: displayPath(file), line: d.locate(p.key), key: escapeControls(p.key), message: p.message }));
    throw new UserError([...problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity)));
  }
  const complete = { hosts: hosts.filter(isCompleteHost), nodes: nodes.filter(isCompleteNode) };
  // Every value left undefined had a problem reported, so with none, every host and node is complete.
  if (complete.hosts.length !== hosts.length || complete.nodes.length !== nodes.length) throw new Error("inventory: a value is missing without a problem");
  return { path: file, ...complete, ...(trust ? { trust } : {}) };
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

/** A host as read: fields with a problem are undefined. */
type HostDraft = Partial<HostInventory> & { readonly name: string };

/** True when every required field of a host was read without a problem. */
function isCompleteHost(h: HostDraft): h is HostDraft & HostInventory {
  return h.address !== undefined && h.driver !== undefined && h.storage !== undefined && h.stateDir !== undefined && h.parallel !== undefined;
}

/** True when every required field of a node, its network and each of its mounts were read without a problem. */
function isCompleteNode(n: NodeDraft): n is NodeDraft & NodeInventory {
  const { host, slots, hostname, cores, memory, disk, network, mounts } = n;
  return [host, slots, hostname, cores, memory, disk, network].every((v) => v !== undefined) && mounts?.every((m) => m !== undefined) === true;
}

/** One host, checked; a value left undefined had a problem (already reported). */
function readHost(name: string, t: Record<string, unknown>, dir: string, out: KeyProblem[]): HostDraft {
  const path = `hosts.${name}`;
  const f = readTable({ table: t, spec: HOST_TABLE, path, out });
  const driver = enumField(f, "driver", DRIVERS);
  let storage = stringField(f, "storage");
  if (driver && storage === undefined && t.storage === undefined) storage = DEFAULT_STORAGE[driver];
  const sp = driver && storage !== undefined ? storageProblem(driver, storage) : undefined;
  if (sp) out.push({ key: `${path}.storage`, message: sp });
  if (driver === "lxc" && t.root_storage !== undefined)
    out.push({ key: `${path}.root_storage`, message: 'is for driver = "proxmox" only (lxc keeps root filesystems under storage); remove it' });
  const format = stringField(f, "templateFormat");
  const templateFormat = format === "oci" || format === "vztmpl" ? format : undefined;
  if (driver === "lxc" && t.template_format !== undefined)
    out.push({ key: `${path}.template_format`, message: 'is for driver = "proxmox" only (lxc takes the store\'s template as it is); remove it' });
  const address = stringField(f, "address");
  if (address === "local" && f.port !== undefined) out.push({ key: `${path}.port`, message: 'has no meaning for address = "local"; remove it' });
  const identity = stringField(f, "identityFile");
  return {
    name,
    address,
    port: address === "local" ? undefined : (numberField(f, "port") ?? 22),
    driver,
    storage,
    ...(driver === "proxmox" ? { rootStorage: stringField(f, "rootStorage") ?? DEFAULT_ROOT_STORAGE, templateFormat: templateFormat ?? "vztmpl" } : {}),
    stateDir: stringField(f, "stateDir"),
    knownHosts: stringField(f, "knownHosts"),
    identityFile: identity === undefined ? undefined : resolve(dir, identity),
    parallel: numberField(f, "parallel"),
  };
}

/** `[trust]` (optional): allowed_signers resolved from the inventory's directory, principals all required. */
function readTrust(v: unknown, dir: string, out: KeyProblem[]): Inventory["trust"] {
  if (v === undefined) return undefined;
  if (!isTable(v)) {
    out.push({ key: "trust", message: "must be a table: [trust] with allowed_signers and principals" });
    return undefined;
  }
  const f = readTable({ table: v, spec: TRUST_TABLE, path: "trust", out });
  const signers = stringField(f, "allowedSigners");
  const principals = wordsField(f, "principals");
  const requireProvenance = f.requireProvenance === true;
  return signers !== undefined && principals !== undefined ? { allowedSigners: resolve(dir, signers), principals, requireProvenance } : undefined;
}

/** The two slot ids of a read node table (its `custom` reader returns a pair or nothing). */
function slotsField(f: Fields): readonly [number, number] | undefined {
  const v = f.slots;
  if (!Array.isArray(v)) return undefined;
  const [a, b] = v;
  return typeof a === "number" && typeof b === "number" ? [a, b] : undefined;
}

/** One node with its network and mounts, checked. */
function readNode(name: string, t: Record<string, unknown>, out: KeyProblem[]): NodeDraft {
  const path = `nodes.${name}`;
  const f = readTable({ table: t, spec: NODE_TABLE, path, extra: NODE_SUBTABLES, out });
  let hostname = stringField(f, "hostname");
  if (t.hostname === undefined && NAME_PATTERN.test(name)) {
    hostname = name;
    if (!/^[A-Za-z0-9-]+$/.test(name) || name.startsWith("-") || name.endsWith("-")) {
      out.push({ key: `${path}.hostname`, message: `the node name ${quoteInput(name)} is not a valid host name; set hostname = "…" explicitly` });
      hostname = undefined;
    }
  }
  return {
    name,
    host: stringField(f, "host"),
    slots: slotsField(f),
    hostname,
    cores: numberField(f, "cores"),
    memory: numberField(f, "memory"),
    disk: numberField(f, "disk"),
    role: stringField(f, "role"),
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
    out.push({ key: path, message: "must be a table with bridge, ip, gateway, mac" });
    return undefined;
  }
  const f = readTable({ table: v, spec: NETWORK_TABLE, path, out });
  const [bridge, ip, mac, gateway] = [stringField(f, "bridge"), stringField(f, "ip"), stringField(f, "mac"), stringField(f, "gateway")];
  const more = networkProblems({ ip, gateway, mac }, path);
  out.push(...more);
  if (bridge === undefined || ip === undefined || mac === undefined || more.length) return undefined;
  return { bridge, ip, gateway, mac, ...(f.ipam === true ? { ipam: true } : {}) };
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
    const f = readTable({ table: m, spec: MOUNT_TABLE, path: `${path}[${i}]`, out });
    const [host, mountPath] = [stringField(f, "host"), stringField(f, "path")];
    return host !== undefined && mountPath !== undefined ? { host, path: mountPath, readOnly: f.readOnly === true } : undefined;
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
