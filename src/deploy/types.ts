// Shared shapes of the deployer (the inventory's own are in inventory/types.ts): observed state, plans, journal entries, and the
// HostDriver/Transport seam between "what to do" (plan/apply) and "how, on this kind of host" (drivers).
import type { RunOptions, RunResult } from "../exec/run.js";
import type { Problem } from "../errors.js";

import type { HostInventory, Inventory, Mount, NodeInventory } from "../inventory/types.js";

export type { HostInventory, Inventory, Mount, NodeInventory };

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
  ensureTemplate(t: { readonly image: string; readonly file: string; readonly sha256: string; readonly store?: string }): Promise<void>;
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
