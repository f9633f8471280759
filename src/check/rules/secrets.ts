// Rules that keep per-host identity and secrets out of a template: every container made from it would share them.
import type { ArchiveFacts, CheckFailure } from "../types.js";

const HOST_KEY = /^etc\/ssh\/ssh_host_[^/]*_key/;
/** A PEM or OpenSSH private key header at the start of a file (after optional whitespace). */
const PRIVATE_KEY = /^\s*-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
/** Files that hold the machine's identity; empty or "uninitialized" lets systemd make a new one at first boot. */
const MACHINE_ID_FILES = ["etc/machine-id", "var/lib/dbus/machine-id"];

/** No SSH host keys: Proxmox generates fresh ones per container, a template must not carry any. */
export function hostKeysRule(facts: ArchiveFacts): readonly CheckFailure[] {
  return facts.members
    .filter((m) => HOST_KEY.test(m.path))
    .map((m) => ({
      rule: "ssh-host-keys",
      path: `/${m.path}`,
      message: "SSH host key in the template; every container would share it (remove etc/ssh/ssh_host_*)",
    }));
}

/** machine-id must be missing, empty or "uninitialized" so each container gets its own. */
export function machineIdRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const out: CheckFailure[] = [];
  for (const p of MACHINE_ID_FILES) {
    const m = facts.byPath.get(p);
    if (m?.type !== "file") continue;
    const body = (facts.contents.get(p) ?? Buffer.alloc(0)).toString("utf8").trim();
    if (body === "" || body === "uninitialized") continue;
    out.push({ rule: "machine-id", path: `/${p}`, message: "holds a machine id; every container would share it (truncate it to empty)" });
  }
  return out;
}

/** No private keys anywhere (host keys are reported by their own rule). */
export function privateKeysRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const out: CheckFailure[] = [];
  for (const [path, head] of facts.heads) {
    if (HOST_KEY.test(path)) continue;
    if (PRIVATE_KEY.test(head.toString("latin1")))
      out.push({ rule: "private-key", path: `/${path}`, message: "a private key; secrets must not be baked into a template" });
  }
  return out;
}
