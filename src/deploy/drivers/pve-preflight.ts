// What the proxmox driver checks on a host before it touches anything, once per run: that it acts as
// root (pct and pvesm die with "please run as root" otherwise, and only root@pam may bind-mount host
// directories and make privileged containers), which Proxmox VE it is (`pveversion -v`), and that the
// root storage takes container root volumes (content `rootdir`), and that it takes OCI archives when the
// inventory asks for them. Once the plan is known, before any change: the bridge each node's net0 names
// exists (pct create does not check it; pct start fails with "bridge '…' does not exist" after the
// container was made).
import semver from "semver";
import { type Problem, UserError } from "../../errors.js";
import { quoteInput } from "../../util/quote.js";
import type { HostInventory, PreflightNode, Transport } from "../types.js";
import { BRIDGE_KINDS, bridgeProblems } from "./host-links.js";

/** What the driver adapts to on a supported host. */
export interface PveFacts {
  /** pve-manager version, e.g. "8.2.4". */
  readonly manager: string;
  /** `pct exec --keep-env` exists (pve-container >= 5.0.9). */
  readonly keepEnv: boolean;
  /** The storage code takes an uncompressed `.tar` as a template (libpve-storage-perl >= 9.0.15). */
  readonly plainTar: boolean;
  /** pct create takes an oci-archive as a template (pve-container >= 6.0.15 detects it; the storage must take .tar). */
  readonly oci: boolean;
}

/** Proxmox VE major versions kiln supports. */
export const SUPPORTED_PVE = [8, 9] as const;
/** The pve-container release that added `pct exec --keep-env`. */
export const KEEP_ENV_SINCE = "5.0.9";
/** The libpve-storage-perl release that accepts plain `.tar` templates. */
export const PLAIN_TAR_SINCE = "9.0.15";
/** The pve-container release that creates containers from OCI archives (Proxmox VE 9.1). */
export const OCI_SINCE = "6.0.15";

/** Package versions from `pveversion -v` ("pve-manager: 8.2.4 (running version: …)", "pve-container: 5.1.12"). */
export function parsePveVersions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([a-z0-9][a-z0-9.+-]*):\s+([0-9][^\s(]*)/.exec(line.trim());
    if (m) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

/** True when package version `v` ("5.0.8", "8.2.4-1") is at least `min` (semver on its x.y.z; the Debian revision ignored). */
export function versionAtLeast(v: string, min: string): boolean {
  const a = semver.coerce(v);
  const b = semver.coerce(min);
  return a !== null && b !== null && semver.gte(a, b);
}

/** Reads what the driver needs from `pveversion -v`, or says why this host is not supported. */
export function pveFacts(versions: ReadonlyMap<string, string>): PveFacts | string {
  const manager = versions.get("pve-manager");
  const container = versions.get("pve-container");
  if (!manager || !container) return "`pveversion -v` names no pve-manager or pve-container: is this a Proxmox VE node?";
  const major = Number.parseInt(manager, 10);
  if (!SUPPORTED_PVE.includes(major as 8 | 9))
    return `Proxmox VE ${quoteInput(manager)} is not supported; kiln supports Proxmox VE ${SUPPORTED_PVE.join(".x and ")}.x: upgrade the node`;
  const plainTar = versionAtLeast(versions.get("libpve-storage-perl") ?? "0", PLAIN_TAR_SINCE);
  return { manager, keepEnv: versionAtLeast(container, KEEP_ENV_SINCE), plainTar, oci: plainTar && versionAtLeast(container, OCI_SINCE) };
}

/** Active storage ids `pvesm status --content rootdir` lists (rows "Name Type Status …" after the header). */
export function parseStorageIds(text: string): string[] {
  return text
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((cols) => cols[2] === "active")
    .map((cols) => cols[0] as string);
}

/** Runs the checks; throws a UserError naming the host key to fix. */
export async function pvePreflight(t: Transport, host: HostInventory): Promise<PveFacts> {
  const key = `hosts.${host.name}`;
  const fail = (k: string, message: string, hint?: string) => new UserError({ key: `${key}.${k}`, message }, hint ? { hint } : undefined);
  const uid = (await t.run(["id", "-u"])).stdout.trim();
  if (uid !== "0") {
    throw fail(
      "address",
      `kiln logs in as uid ${quoteInput(uid)} on ${t.describe}, but pct and pvesm run only as root ("please run as root")`,
      'log in as root: address = "root@HOST" (kiln does not use sudo; see docs/deploy.md, "Proxmox host set-up")',
    );
  }
  const ver = await t.run(["pveversion", "-v"], { allowFailure: true });
  const facts =
    ver.exitCode === 0
      ? pveFacts(parsePveVersions(ver.stdout))
      : `\`pveversion -v\` failed (${quoteInput(ver.stderr.trim() || `exit ${ver.exitCode}`)}): is this a Proxmox VE node?`;
  if (typeof facts === "string") throw fail("driver", facts);
  if (host.templateFormat === "oci" && !facts.oci) {
    throw fail(
      "template_format",
      `"oci" needs Proxmox VE 9.1 (pve-container ${OCI_SINCE} and libpve-storage-perl ${PLAIN_TAR_SINCE} on), but ${t.describe} runs pve-manager ${quoteInput(facts.manager)}`,
      'set template_format = "vztmpl" (the store\'s .tar.zst), or upgrade the node',
    );
  }
  const root = host.rootStorage ?? "";
  const st = await t.run(["pvesm", "status", "--content", "rootdir"], { allowFailure: true });
  const ids = st.exitCode === 0 ? parseStorageIds(st.stdout) : [];
  if (!ids.includes(root)) {
    const have = ids.length ? `storages with content rootdir here: ${ids.join(", ")}` : "this node has no storage with content rootdir";
    throw fail(
      "root_storage",
      `storage ${quoteInput(root)} cannot hold container root volumes on ${t.describe} (${have})`,
      "set root_storage to one of them, or add content rootdir to a storage (Datacenter › Storage)",
    );
  }
  return facts;
}

/** What the plan's nodes need from this node: every node's bridge is a bridge here (one `ip` call for all). */
export async function pveNodeProblems(t: Transport, nodes: readonly PreflightNode[]): Promise<Problem[]> {
  return bridgeProblems(t, nodes, (l) => BRIDGE_KINDS.includes(l.kind));
}
