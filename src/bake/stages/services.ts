// services: enables/disables systemd units offline with `systemctl --root`, and installs kiln's
// first-boot unit that creates SSH host keys (they are stripped from every template).
import { rm, writeFile } from "node:fs/promises";
import { run } from "../../exec/run.js";
import { resolveInTree } from "../../rootfs/tree.js";
import type { BakeContext } from "../context.js";
import { bakeEnv } from "../context.js";
import { ensureParents } from "../paths.js";

export const HOSTKEY_UNIT = "kiln-ssh-hostkeys.service";

// Proxmox's `pct create` writes host keys itself, so the condition is false there; plain LXC and the
// nightly VM rely on this unit. ssh.service runs `sshd -t` first, which fails without keys.
const HOSTKEY_UNIT_TEXT = `[Unit]
Description=Generate SSH host keys on first boot (kiln)
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target ssh.service
`;

/** argv for systemctl acting on an image tree without a running systemd. */
export function systemctlArgv(root: string, verb: "enable" | "disable" | "mask", units: readonly string[]): string[] {
  return ["systemctl", `--root=${root}`, verb, "--", ...units];
}

/** Applies [services] and the host-key unit. */
export async function configureServices(ctx: Pick<BakeContext, "recipe" | "root" | "epoch">): Promise<void> {
  const env = bakeEnv(ctx);
  const enable = [...ctx.recipe.services.enable];
  // Looked up inside the tree (an absolute symlink there must not find the build host's sshd).
  if (resolveInTree(ctx.root, "usr/sbin/sshd") && resolveInTree(ctx.root, "usr/bin/ssh-keygen")) {
    const unit = ensureParents(ctx.root, `/etc/systemd/system/${HOSTKEY_UNIT}`, "host-key unit");
    // Replace whatever is there (even a symlink) rather than writing through it.
    await rm(unit, { force: true });
    await writeFile(unit, HOSTKEY_UNIT_TEXT, { mode: 0o644, flag: "wx" });
    enable.push(HOSTKEY_UNIT);
  }
  if (enable.length) await run(systemctlArgv(ctx.root, "enable", enable), { env });
  if (ctx.recipe.services.disable.length) await run(systemctlArgv(ctx.root, "disable", ctx.recipe.services.disable), { env });
}
