// What PVE::LXC::Setup::Debian writes into a container's root: /etc/network/interfaces (ifupdown, eth0
// from net0), /etc/hostname, the node's names in /etc/hosts between PVE's markers, /etc/resolv.conf, and
// at create fresh SSH host keys (rewrite_ssh_host_keys). The simulator's own writer: kiln's rootfs
// writers are the code under test. Writes never follow a link out of the root (PVE writes from inside the CT).
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Conf } from "./conf.js";
import { inRoot } from "./detect.js";
import { run } from "./proc.js";

/** The net0 fields the setup reads. */
export interface Net0 {
  readonly ip?: string;
  readonly gw?: string;
  readonly ip6?: string;
  readonly gw6?: string;
}

/** Writes `rel` inside `root` atomically; skipped when its directory does not exist there. */
async function put(root: string, rel: string, content: string | Buffer, mode = 0o644): Promise<void> {
  const dir = await inRoot(root, dirname(rel));
  if (!dir || !existsSync(dir)) return;
  const tmp = join(dir, `.pct-sim-tmp.${process.pid}`);
  await writeFile(tmp, content);
  await chmod(tmp, mode);
  await rename(tmp, join(dir, basename(rel)));
}

/** The current text of `rel` inside `root`, or "". */
async function current(root: string, rel: string): Promise<string> {
  const f = await inRoot(root, rel);
  return f ? readFile(f, "utf8").catch(() => "") : "";
}

/** ifupdown stanzas for eth0: static v4/v6 with gateway, dhcp, or SLAAC ("auto"). */
export function interfacesText(net: Net0): string {
  const stanza = (family: string, ip: string | undefined, gw: string | undefined) => {
    if (!ip || ip === "manual") return [];
    if (ip === "dhcp") return [`iface eth0 ${family} dhcp`, ""];
    if (ip === "auto") return [`iface eth0 ${family} auto`, ""];
    return [`iface eth0 ${family} static`, `\taddress ${ip}`, ...(gw ? [`\tgateway ${gw}`] : []), ""];
  };
  return ["auto lo", "iface lo inet loopback", "", "auto eth0", ...stanza("inet", net.ip, net.gw), ...stanza("inet6", net.ip6, net.gw6)].join("\n");
}

/** /etc/hosts with the CT's names between "# --- BEGIN PVE ---" markers, localhost added when missing. */
export function hostsText(existing: string, hostname: string, net: Net0): string {
  const kept = existing.replace(/# --- BEGIN PVE ---\n[\s\S]*?# --- END PVE ---\n?/g, "");
  const short = hostname.replace(/\..*$/, "");
  const names = short === hostname ? hostname : `${hostname} ${short}`;
  const fixed = (ip: string | undefined) => (ip && /^[0-9a-f:.]+\/\d+$/i.test(ip) ? ip.replace(/\/\d+$/, "") : undefined);
  const addr = fixed(net.ip) ?? fixed(net.ip6) ?? "127.0.1.1";
  const lines = [...(/^\s*127\.0\.0\.1\s/m.test(kept) ? [] : ["127.0.0.1 localhost.localnet localhost"]), `${addr} ${names}`];
  return `${kept}${kept && !kept.endsWith("\n") ? "\n" : ""}# --- BEGIN PVE ---\n${lines.join("\n")}\n# --- END PVE ---\n`;
}

/** resolv.conf from the config, or from the host's when neither is given (PVE::LXC::Setup::Base::set_dns). */
export function resolvConf(conf: Conf): string {
  let search = conf.searchdomain;
  let ns = conf.nameserver;
  if (search === undefined && ns === undefined) {
    const host = existsSync("/etc/resolv.conf") ? readFileSync("/etc/resolv.conf", "utf8") : "";
    search = /^search\s+(.*)$/m.exec(host)?.[1];
    ns = [...host.matchAll(/^nameserver\s+(\S+)/gm)].map((x) => x[1]).join(" ");
  }
  const servers = (ns ?? "").split(/[\s,;]+/).filter(Boolean);
  return `${[...(search ? [`search ${search.split(/[\s,;]+/).join(" ")}`] : []), ...servers.map((n) => `nameserver ${n}`)].join("\n")}\n`;
}

/** Network, hostname and hosts (PVE does this at create and before every start); nothing for an unconfigured net0. */
export async function setupNetwork(root: string, hostname: string, net: Net0 | undefined): Promise<void> {
  if (!net || (!net.ip && !net.ip6)) return;
  await put(root, "etc/network/interfaces", interfacesText(net));
  await put(root, "etc/hostname", `${hostname.replace(/\..*$/, "")}\n`);
  await put(root, "etc/hosts", hostsText(await current(root, "etc/hosts"), hostname, net));
}

/** Create-time setup: no machine-id (systemd makes one at first boot), resolv.conf, fresh SSH host keys. */
export async function postCreateFiles(root: string, conf: Conf, hostname: string): Promise<void> {
  for (const id of ["etc/machine-id", "var/lib/dbus/machine-id"]) {
    const f = await inRoot(root, id);
    if (f) await unlink(f).catch(() => undefined);
  }
  await put(root, "etc/resolv.conf", resolvConf(conf));
  if (!(await inRoot(root, "etc/ssh"))) return;
  const keys = await mkdtemp(join(tmpdir(), "pct-sim-keys-"));
  try {
    for (const type of ["rsa", "ecdsa", "ed25519"]) {
      const file = join(keys, `ssh_host_${type}_key`);
      await run(["ssh-keygen", "-q", "-f", file, "-t", type, "-N", "", "-C", `root@${hostname.replace(/\..*$/, "")}`]);
      await put(root, `etc/ssh/ssh_host_${type}_key`, await readFile(file), 0o600);
      await put(root, `etc/ssh/ssh_host_${type}_key.pub`, await readFile(`${file}.pub`));
    }
  } finally {
    await rm(keys, { recursive: true, force: true });
  }
}
