// Pure pieces of the SSH transport: the ssh(1) options kiln always passes, the destination, and the
// known_hosts line the host key is pinned to. Kept apart from running ssh so unit tests can read argv.
import { UserError } from "../../errors.js";
import { noControls } from "../config-safe.js";
import type { HostInventory } from "../types.js";

/** Where the transport's private files live (a fresh 0700 temp dir per transport). */
export interface SshFiles {
  /** known_hosts holding only the inventory's entry for this host. */
  readonly knownHosts: string;
  /** The ControlMaster socket. */
  readonly controlPath: string;
}

/** The host part of "user@host" (what known_hosts patterns name). */
export function hostOfAddress(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? address : address.slice(at + 1);
}

/** The known_hosts pattern for a host: `host`, or `[host]:port` off port 22 (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"). */
export function knownHostsPattern(host: Pick<HostInventory, "address" | "port">): string {
  const name = hostOfAddress(host.address);
  return host.port === undefined || host.port === 22 ? name : `[${name}]:${host.port}`;
}

/** Key types a bare public key line starts with (then the host pattern is added for the user). */
const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-\S+|sk-\S+)(-cert-v01@openssh\.com)?$/;

/**
 * The known_hosts content for a host from its inventory entry: a full line is kept as written; a bare
 * public key ("ssh-ed25519 AAAA…", what `cat ssh_host_ed25519_key.pub` prints) gets the host pattern.
 */
export function knownHostsLine(host: Pick<HostInventory, "name" | "address" | "port" | "knownHosts">): string {
  const text = (host.knownHosts ?? "").trim();
  if (!text) {
    throw new UserError(
      { key: `hosts.${host.name}.knownHosts`, message: `no host key is pinned for ${host.address}: kiln checks every SSH host key against the inventory` },
      {
        hint: `hint: add the line \`ssh-keyscan${host.port ? ` -p ${host.port}` : ""} ${hostOfAddress(host.address)}\` prints (after checking it out of band) as knownHosts`,
      },
    );
  }
  // One entry per line: a CR or other control inside a line is refused (tabs separate fields).
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  for (const l of lines) noControls("the known_hosts line", l.replace(/\t/g, " "));
  return `${lines.map((l) => (KEY_TYPE.test(l.split(/\s+/)[0] ?? "") ? `${knownHostsPattern(host)} ${l}` : l)).join("\n")}\n`;
}

/** The ssh(1) options of every connection to the host: no prompts, pinned host key, one shared connection. */
export function sshOptions(host: Pick<HostInventory, "port" | "identityFile">, files: SshFiles): string[] {
  const o = (kv: string) => ["-o", kv];
  return [
    // Never ask for a password or passphrase: a deploy must fail, not hang on a prompt.
    ...o("BatchMode=yes"),
    // Only the inventory decides which host key is right; an unknown or changed key is an error.
    ...o("StrictHostKeyChecking=yes"),
    ...o(`UserKnownHostsFile=${files.knownHosts}`),
    // The system-wide file is not the inventory either.
    ...o("GlobalKnownHostsFile=/dev/null"),
    // Never write learned keys anywhere (the file is ours and temporary, but say what we mean).
    ...o("UpdateHostKeys=no"),
    // One TCP/SSH connection per host, reused by every command (ssh_config(5) ControlMaster).
    ...o("ControlMaster=auto"),
    ...o(`ControlPath=${files.controlPath}`),
    ...o("ControlPersist=60"),
    ...o("ConnectTimeout=15"),
    // A dead host is noticed within a minute instead of a TCP timeout.
    ...o("ServerAliveInterval=15"),
    ...o("ServerAliveCountMax=4"),
    ...o("LogLevel=ERROR"),
    ...(host.identityFile ? ["-i", host.identityFile, ...o("IdentitiesOnly=yes")] : []),
    ...(host.port ? ["-p", String(host.port)] : []),
  ];
}
