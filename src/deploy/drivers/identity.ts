// Node identity that survives a swap: the SSH host keys live on the host, per hostname, under
// `<stateDir>/identity/<hostname>/`, are made once with ssh-keygen, and are copied into every new slot
// before it starts, so a client that knew the node never sees a changed key.
import { ToolError } from "../../errors.js";
import { sshHostKeysArgv } from "../../exec/argv/ssh-keygen.js";
import type { Transport } from "../types.js";
import type { RootWrite } from "./host-files.js";
import { quoteInput } from "../../util/quote.js";

/** The key types Proxmox generates for a new container (PVE::LXC::Setup::Base::ssh_host_key_types_to_generate). */
export const HOST_KEY_TYPES = ["rsa", "ecdsa", "ed25519"] as const;

/** Directory of a node's saved keys on the host. */
export function identityDir(stateDir: string, hostname: string): string {
  // The inventory validates hostnames; this keeps a bad one from ever naming a path elsewhere.
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(hostname) || hostname.includes(".."))
    throw new ToolError(`not a hostname kiln can keep keys for: ${quoteInput(hostname)}`);
  return `${stateDir}/identity/${hostname}`;
}

/** Makes the node's host keys on the host if any is missing (once per node, ever); one round trip. Returns their directory. */
export async function ensureIdentity(t: Transport, o: { readonly stateDir: string; readonly hostname: string }): Promise<string> {
  const dir = identityDir(o.stateDir, o.hostname);
  await t.run(sshHostKeysArgv({ dir, comment: `root@${o.hostname.replace(/\..*$/, "")}`, types: HOST_KEY_TYPES }), { timeoutMs: 120_000 });
  return dir;
}

/** The writes that put the saved keys into a rootfs's /etc/ssh (private 0600, public 0644), if it has one. */
export function identityWrites(o: { readonly dir: string; readonly root: string }): RootWrite[] {
  return HOST_KEY_TYPES.flatMap((type) => {
    const name = `ssh_host_${type}_key`;
    return [
      { root: o.root, path: `etc/ssh/${name}`, mode: "0600", from: `${o.dir}/${name}`, ifDirExists: true },
      { root: o.root, path: `etc/ssh/${name}.pub`, mode: "0644", from: `${o.dir}/${name}.pub`, ifDirExists: true },
    ];
  });
}
