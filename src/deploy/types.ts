// Shared shapes of the deployer: inventory, observed state, plans, journal entries, and the
// HostDriver/Transport seam between "what to do" (plan/apply) and "how, on this kind of host" (drivers).
import type { RunOptions, RunResult } from "../exec/run.js";
import type { Problem } from "../errors.js";

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
  readonly trust?: { readonly allowedSigners: string; readonly principals: readonly string[] };
}

/** What a host says about one slot. */
export interface SlotState {
  readonly vmid: number;
  readonly exists: boolean;
  readonly running: boolean;
  /** "sha256:<hex>" the slot was created from (recorded by kiln on the container), when known. */
  readonly image?: string;
}

/** One node's observed state: both slots. */
export interface NodeState {
  readonly node: string;
  readonly slots: readonly [SlotState, SlotState];
}

export type Action =
  | { readonly kind: "upload-template"; readonly image: string }
  | { readonly kind: "create"; readonly vmid: number; readonly image: string }
  /** `kilnLock`: the journal shows kiln was making this slot, so a `create`/`mounted` lock on it is kiln's own to clear. */
  | { readonly kind: "destroy"; readonly vmid: number; readonly kilnLock?: boolean }
  | { readonly kind: "stop"; readonly vmid: number }
  | { readonly kind: "start"; readonly vmid: number }
  | { readonly kind: "health"; readonly vmid: number }
  | { readonly kind: "none"; readonly reason: string };

export interface NodePlan {
  readonly node: string;
  readonly host: string;
  readonly running?: string;
  readonly target: string;
  /** Slot that will run the target. */
  readonly toSlot: number;
  readonly fromSlot?: number;
  readonly actions: readonly Action[];
  /** Image the node ran before this change (journaled as `previous`); differs from `running` when resuming. */
  readonly previous?: string;
  /** The plan puts the node back on its previous image (resuming a failed swap): it ends `reverted`, not `done`. */
  readonly revert?: boolean;
  /** The node's newest run is unfinished: journal begin and end even if nothing needs doing, so the run is settled. */
  readonly settle?: boolean;
}

export interface SwapPlan {
  /** The target image; for a rollback without --to each node has its own (NodePlan.target) and this is "previous". */
  readonly image: string;
  readonly kind?: "deploy" | "rollback" | "resume";
  readonly nodes: readonly NodePlan[];
}

/** One line of the append-only journal (JSON lines next to the inventory). */
export interface JournalEntry {
  readonly time: string;
  readonly deploy: string;
  readonly node: string;
  /** `creating` is journaled before a slot is created (and mounted): the intent that makes its lock kiln's own. */
  readonly event: "begin" | "creating" | "created" | "stopped-old" | "started-new" | "healthy" | "reverted" | "failed" | "done";
  readonly image: string;
  readonly previous?: string;
  readonly fromSlot?: number;
  readonly toSlot?: number;
  readonly message?: string;
  /** On `done`: milliseconds from stopping the old slot to the new one passing its health gate. */
  readonly downtimeMs?: number;
}

/** Runs commands on one host and moves files to it. Commands are argv arrays, quoted by one function for SSH. */
export interface Transport {
  readonly describe: string;
  run(argv: readonly string[], opts?: Pick<RunOptions, "input" | "allowFailure" | "timeoutMs">): Promise<RunResult>;
  /** Copies a local file to an absolute path on the host (atomically: temp name then rename). */
  copyTo(localPath: string, remotePath: string): Promise<void>;
  close(): Promise<void>;
}

/** What deploy needs from a kind of host. Every method is idempotent where it can be. */
export interface HostDriver {
  readonly kind: "lxc" | "proxmox";
  /** Makes the template available on the host (copy only when missing), verifying its sha256 there. */
  ensureTemplate(t: { readonly image: string; readonly file: string; readonly sha256: string }): Promise<void>;
  /** Whether the host already has the template (plan shows an upload only when it does not); optional. */
  hasTemplate?(t: { readonly image: string; readonly file: string; readonly sha256: string }): Promise<boolean>;
  slotState(vmid: number): Promise<SlotState>;
  /** Creates a stopped container for `node` in slot `vmid` from the image, with the node's identity. */
  create(node: NodeInventory, vmid: number, image: string): Promise<void>;
  start(vmid: number): Promise<void>;
  stop(vmid: number): Promise<void>;
  /** Destroys a slot; `kilnLock`: a `create`/`mounted` lock on it was left by kiln (journal) and may be cleared. */
  destroy(vmid: number, opts?: { readonly kilnLock?: boolean }): Promise<void>;
  exec(vmid: number, argv: readonly string[], opts?: { readonly timeoutMs?: number }): Promise<RunResult>;
  /** Checks, before anything changes, what the host must offer these nodes; every problem at once (optional). */
  preflight?(nodes: readonly PreflightNode[]): Promise<Problem[]>;
}

/** A node a plan changes on a host, and the slot ids it creates without destroying anything first (free, it thinks). */
export interface PreflightNode {
  readonly node: NodeInventory;
  readonly freeSlots: readonly number[];
}
