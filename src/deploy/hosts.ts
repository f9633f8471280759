// Connects to the hosts an operation needs: a transport (local process or OpenSSH) and the driver the
// inventory names for each. close() ends every SSH connection.
import { localTransport } from "./transport/local.js";
import { sshTransport } from "./transport/ssh.js";
import type { HostDriver, HostInventory, Inventory, Transport } from "./types.js";

/** Drivers by host name, and how to let go of them. */
export interface Hosts {
  readonly drivers: ReadonlyMap<string, HostDriver>;
  close(): Promise<void>;
}

/** How a caller connects (tests pass fake hosts). */
export type Connect = (inventory: Inventory, hosts: readonly string[]) => Promise<Hosts>;

/** The transport for one host: `local` runs here, anything else is an SSH target. */
export function transportFor(host: HostInventory): Transport {
  return host.address === "local" ? localTransport() : sshTransport(host);
}

/** The driver the inventory names for a host (loaded on demand: a command needs one or two kinds). */
async function driverFor(o: { readonly transport: Transport; readonly host: HostInventory }): Promise<HostDriver> {
  if (o.host.driver === "lxc") return (await import("./drivers/lxc.js")).lxcDriver(o);
  return (await import("./drivers/proxmox.js")).proxmoxDriver(o);
}

/** Opens a driver for each named host of the inventory. */
export const connectHosts: Connect = async (inventory, names) => {
  const transports: Transport[] = [];
  const drivers = new Map<string, HostDriver>();
  for (const name of names) {
    const host = inventory.hosts.find((h) => h.name === name);
    if (!host) throw new Error(`connectHosts: no host ${name} in the inventory`);
    const transport = transportFor(host);
    transports.push(transport);
    drivers.set(name, await driverFor({ transport, host }));
  }
  return {
    drivers,
    close: async () => {
      await Promise.allSettled(transports.map((t) => t.close()));
    },
  };
};
