// Applies a SwapPlan: every host in parallel, at most `host.parallel` nodes at a time on one host.
// Each node is swapped by applyNode (template → create → stop old → start new → health gate, journaled).
// With allOrNothing, the first node that fails stops new nodes from starting, and every node already
// swapped is taken back to its old slot.
import pLimit, { type LimitFunction } from "p-limit";
import { randomBytes } from "node:crypto";
import { info } from "../log.js";
import type { VerifySection } from "../recipe/types.js";
import { applyNode, JournalBroken, undoNode, type NodeContext, type NodeOutcome } from "./apply-node.js";
import type { HostDriver, Inventory, JournalEntry, NodePlan, SwapPlan } from "./types.js";

export type { NodeOutcome, NodeStatus } from "./apply-node.js";

/** A target image as apply needs it: its template file (local), digest, and [verify] section. */
export interface ImageInfo {
  readonly image: string;
  readonly file: string;
  readonly sha256: string;
  readonly verify: VerifySection | null;
  /** The uncompressed tar's size (manifest tarSize): about what the template takes unpacked. */
  readonly unpackedBytes?: number;
  /** The store holding the image (a driver that uploads an oci-archive writes it from there). */
  readonly store?: string;
}

export interface ApplyOptions {
  readonly plan: SwapPlan;
  readonly inventory: Inventory;
  /** One driver per host name the plan touches. */
  readonly drivers: ReadonlyMap<string, HostDriver>;
  /** Every image a node is taken to. */
  readonly images: ReadonlyMap<string, ImageInfo>;
  readonly journal: { append(e: Omit<JournalEntry, "time">): Promise<unknown> };
  /** Id recorded on every journal line (default: time + random). */
  readonly deploy?: string;
  readonly allOrNothing?: boolean;
  readonly now?: () => number;
  /** Poll interval of the health gate while a container boots. */
  readonly pollMs?: number;
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

export interface ApplyResult {
  readonly deploy: string;
  readonly kind: NonNullable<SwapPlan["kind"]>;
  /** Every node done or unchanged. */
  readonly ok: boolean;
  readonly nodes: readonly NodeOutcome[];
  readonly ms: number;
}

/** A new deploy id: UTC time to the second plus 6 random hex digits (sortable, unique enough). */
export function newDeployId(d = new Date()): string {
  return `${d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}-${randomBytes(3).toString("hex")}`;
}

/** Applies the plan and reports each node. Throws only if the journal cannot be written. */
export async function apply(o: ApplyOptions): Promise<ApplyResult> {
  const now = o.now ?? Date.now;
  const t0 = now();
  const deploy = o.deploy ?? newDeployId();
  const kind = o.plan.kind ?? "deploy";
  const limits = new Map<string, LimitFunction>(o.inventory.hosts.map((h) => [h.name, pLimit(h.parallel)]));
  const templates = new Map<string, Promise<void>>();
  const contexts = new Map<string, NodeContext>();
  let failedNode: string | undefined;

  const ctxFor = (p: NodePlan): NodeContext => {
    const known = contexts.get(p.node);
    if (known) return known;
    const node = o.inventory.nodes.find((n) => n.name === p.node);
    const driver = o.drivers.get(p.host);
    if (!node || !driver) throw new Error(`apply: node ${p.node} or a driver for host ${p.host} is missing`);
    const ctx: NodeContext = {
      deploy,
      node,
      driver,
      template: (image) => ensureOnce({ templates, host: p.host, driver, info: imageInfo(o.images, image) }),
      verify: (image) => o.images.get(image)?.verify ?? null,
      journal: (e) =>
        o.journal.append(e).catch((err: unknown) => Promise.reject(new JournalBroken(`cannot write the journal: ${(err as Error).message}`, { cause: err }))),
      settleUnchanged: kind === "resume",
      now,
      pollMs: o.pollMs,
      log: o.log ?? info,
    };
    contexts.set(p.node, ctx);
    return ctx;
  };
  const limit = (p: NodePlan) => limits.get(p.host) ?? pLimit(1);

  const settledAll = await Promise.allSettled(
    o.plan.nodes.map((p) =>
      limit(p)(async (): Promise<NodeOutcome> => {
        if (o.allOrNothing && failedNode !== undefined)
          return { node: p.node, host: p.host, image: p.target, status: "skipped", message: `not started: node ${failedNode} failed (--all-or-nothing)` };
        const r = await applyNode(ctxFor(p), p);
        if (r.status === "reverted" || r.status === "failed") failedNode ??= p.node;
        return r;
      }),
    ),
  );
  let outcomes = unwrap(settledAll);
  if (o.allOrNothing && failedNode !== undefined) {
    const why = `all-or-nothing: node ${failedNode} failed`;
    const undone = await Promise.allSettled(
      o.plan.nodes.map((p, i) => {
        const r = outcomes[i] as NodeOutcome;
        return r.status === "done" && !p.revert ? limit(p)(() => undoNode(ctxFor(p), p, why)) : Promise.resolve(r);
      }),
    );
    outcomes = unwrap(undone);
  }
  const ok = outcomes.every((r) => r.status === "done" || r.status === "unchanged");
  return { deploy, kind, ok, nodes: outcomes, ms: now() - t0 };
}

/** The results of settled node tasks; a broken journal (the only thing that rejects) is rethrown once all have ended. */
function unwrap(results: readonly PromiseSettledResult<NodeOutcome>[]): NodeOutcome[] {
  const broken = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (broken) throw broken.reason;
  return results.map((r) => (r as PromiseFulfilledResult<NodeOutcome>).value);
}

/** The ImageInfo for a target, which the caller must have supplied. */
function imageInfo(images: ReadonlyMap<string, ImageInfo>, image: string): ImageInfo {
  const i = images.get(image);
  if (!i) throw new Error(`apply: no template for ${image}`);
  return i;
}

/** ensureTemplate once per host and image, however many of the host's nodes need it. */
function ensureOnce(o: {
  readonly templates: Map<string, Promise<void>>;
  readonly host: string;
  readonly driver: HostDriver;
  readonly info: ImageInfo;
}): Promise<void> {
  const key = `${o.host}\0${o.info.image}`;
  let p = o.templates.get(key);
  if (!p) {
    p = o.driver.ensureTemplate({ image: o.info.image, file: o.info.file, sha256: o.info.sha256, store: o.info.store });
    o.templates.set(key, p);
  }
  return p;
}
