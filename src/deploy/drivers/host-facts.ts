// What a host offers that an LXC config depends on, probed once per driver through the Transport:
// the cgroup layout (Proxmox writes cgroup2 limits, a legacy host takes v1 keys), CPU count, AppArmor,
// and the distribution's common LXC config.
import type { Transport } from "../types.js";
import type { HostFacts } from "./lxc-config.js";

/** Reads the facts with a few cheap commands (each allowed to fail: a missing file is an answer). */
export async function probeHostFacts(t: Transport, ostype: string): Promise<HostFacts> {
  const [controllers, v1, cpus, aa, distro] = await Promise.all([
    t.run(["cat", "/sys/fs/cgroup/cgroup.controllers"], { allowFailure: true }),
    t.run(["test", "-d", "/sys/fs/cgroup/memory"], { allowFailure: true }),
    t.run(["nproc"], { allowFailure: true }),
    t.run(["cat", "/sys/module/apparmor/parameters/enabled"], { allowFailure: true }),
    t.run(["test", "-f", `/usr/share/lxc/config/${ostype}.common.conf`], { allowFailure: true }),
  ]);
  const v2 = controllers.exitCode === 0 && /\bmemory\b/.test(controllers.stdout);
  return {
    cgroup: v2 ? "v2" : v1.exitCode === 0 ? "v1" : "none",
    cpus: Number.parseInt(cpus.stdout, 10) || 1,
    apparmor: aa.exitCode === 0 && aa.stdout.trim() === "Y",
    // Proxmox falls back to the generic file when the distribution has none (update_lxc_config).
    include: distro.exitCode === 0 ? `/usr/share/lxc/config/${ostype}.common.conf` : "/usr/share/lxc/config/common.conf",
  };
}
