// What an inventory means once loaded and checked: the hosts, the nodes on them, and which signatures
// a deploy requires. The deployer (deploy/) consumes these; inventory/load.ts produces them.

/** How kiln reaches a host: local processes, or OpenSSH. */
export interface HostInventory {
  readonly name: string;
  /** "local" or an SSH target "user@host" / "host". */
  readonly address: string;
  readonly port?: number;
  readonly driver: "lxc" | "proxmox";
  /** lxc: the LXC path (lxc.lxcpath) on the host; proxmox: the storage id for templates (e.g. "local"). */
  readonly storage: string;
  /** proxmox: the storage (content rootdir) for container root volumes; the loader defaults it to "local-lvm". */
  readonly rootStorage?: string;
  /** proxmox: upload templates as the store's .tar.zst ("vztmpl", the default) or as an oci-archive ("oci", PVE 9.1 on). */
  readonly templateFormat?: "vztmpl" | "oci";
  /** Directory on the host where kiln keeps templates and per-node identity (keys) for the lxc driver. */
  readonly stateDir: string;
  /** A known_hosts line (or file path) the host's key must match (StrictHostKeyChecking=yes). */
  readonly knownHosts?: string;
  /** SSH private key to log in with. */
  readonly identityFile?: string;
  /** Most nodes swapped at once on this host. */
  readonly parallel: number;
}

export interface Mount {
  /** Absolute path on the host. */
  readonly host: string;
  /** Absolute path in the container. */
  readonly path: string;
  readonly readOnly: boolean;
}

export interface NodeInventory {
  readonly name: string;
  readonly host: string;
  /** The two container ids (Proxmox vmids, 100..999999999) the node alternates between. */
  readonly slots: readonly [number, number];
  readonly hostname: string;
  readonly cores: number;
  /** MiB. */
  readonly memory: number;
  /** GiB. */
  readonly disk: number;
  /** `ipam`: the bridge is a Proxmox SDN vnet with IPAM (destroying a slot would drop the shared MAC's address entries). */
  readonly network: {
    readonly bridge: string;
    readonly ip: string /* CIDR or "dhcp" */;
    readonly gateway?: string;
    readonly mac: string;
    readonly ipam?: boolean;
  };
  readonly mounts: readonly Mount[];
  readonly role?: string;
}

export interface Inventory {
  /** Absolute path of the inventory file (the journal lives next to it). */
  readonly path: string;
  readonly hosts: readonly HostInventory[];
  readonly nodes: readonly NodeInventory[];
  /** `[trust]`: deploy and rollback take only images signed by every principal (allowedSigners is absolute). */
  readonly trust?: { readonly allowedSigners: string; readonly principals: readonly string[]; readonly requireProvenance?: boolean };
}
