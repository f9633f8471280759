// `kiln deploy`, `kiln deploy --resume` and `kiln rollback` as one sequence: load the inventory and the
// journal, take the inventory's lock, observe the hosts, plan (and show the plan) and preflight the hosts
// before anything is touched, then apply, journaling every step, and record the images in use so gc keeps them.
import { UserError } from "../errors.js";
import { info } from "../log.js";
import { hasImage, resolveStored, verifiedImage } from "../store/index.js";
import { tagsById } from "../store/tags.js";
import { requireTrusted } from "../trust/provenance-verify.js";
import { apply, type ApplyResult, type ImageInfo } from "./apply.js";
import { connectHosts, type Connect, type Hosts } from "./hosts.js";
import { loadInventory, selectNodes } from "../inventory/load.js";
import { JournalWriter, journalPathFor, readJournal } from "./journal.js";
import { lockInventory } from "./run-lock.js";
import { observeNodes, observeTemplates } from "./observe.js";
import { imagesToKeep, readKeptImages, writeKeptImages } from "./kept-images.js";
import { preflightHosts } from "./preflight.js";
import { plan, planResume, planRollback, withHostFacts, type PlanInput } from "./plan.js";
import type { Inventory, JournalEntry, NodeInventory, SwapPlan } from "./types.js";

/** A stored image whose template was checked against its manifest. */
type Verified = Awaited<ReturnType<typeof verifiedImage>>;

export interface DeployRequest {
  readonly mode: "deploy" | "rollback" | "resume";
  readonly inventory: string;
  readonly store: string;
  /** deploy: the image REF. */
  readonly ref?: string;
  /** rollback: `--to REF`. */
  readonly to?: string;
  readonly nodes?: readonly string[];
  readonly dryRun?: boolean;
  readonly allOrNothing?: boolean;
}

export interface DeployReport {
  readonly mode: DeployRequest["mode"];
  readonly inventory: string;
  readonly dryRun: boolean;
  readonly plan: SwapPlan;
  /** Absent for a dry run or when the plan changes nothing. */
  readonly result?: ApplyResult;
  /** Tags of the images the plan names, for rendering. */
  readonly tags: Readonly<Record<string, readonly string[]>>;
}

/** Hooks for the CLI and tests. */
export interface DeployDeps {
  readonly connect?: Connect;
  /** Called with the plan before anything is changed (the CLI prints it). */
  readonly onPlan?: (plan: SwapPlan, tags: ReadonlyMap<string, readonly string[]>) => void;
  readonly log?: (line: string) => void;
  /** Health-gate poll interval (tests make it 0). */
  readonly pollMs?: number;
}

/** Plans and (unless dry-run) applies a deploy, resume or rollback. */
export async function runDeploy(req: DeployRequest, deps: DeployDeps = {}): Promise<DeployReport> {
  const inventory = await loadInventory(req.inventory);
  const nodes = selectNodes(inventory, req.nodes);
  const image = req.mode === "deploy" ? (await resolveStored(req.store, required(req.ref, "an image REF"))).id : undefined;
  const to = req.to === undefined ? undefined : (await resolveStored(req.store, req.to)).id;
  // A damaged store entry is refused before any host is touched (dry runs too); each is hashed once.
  const verified = new Map<string, Verified>();
  for (const id of [image, to]) if (id !== undefined) verified.set(id, await verifiedImage(req.store, id));
  // [trust]: the image named on the command line is refused before any host is contacted.
  const trusted = new Set<string>();
  await checkTrust({ store: req.store, inventory, verified, trusted }, [...verified.keys()]);
  const release = req.dryRun ? async () => undefined : await lockInventory(inventory.path);
  let hosts: Hosts | undefined;
  try {
    const journal = await readJournal(journalPathFor(inventory.path));
    hosts = await (deps.connect ?? connectHosts)(inventory, [...new Set(nodes.map((n) => n.host))]);
    const observed = await observeNodes({ nodes, drivers: hosts.drivers });
    const input: PlanInput = { inventory, observed, journal, nodes: req.nodes };
    const make = (): SwapPlan =>
      req.mode === "deploy" ? plan({ ...input, image: image as string }) : req.mode === "resume" ? planResume(input) : planRollback({ ...input, to });
    // Plan once, ask the hosts which of its targets they have, then finish that plan (uploads, disk sizes).
    const draft = make();
    const images = await imageInfos(req.store, targetsOf(draft), verified);
    const templates = await observeTemplates({ hosts: [...hosts.drivers.keys()], drivers: hosts.drivers, templates: [...images.values()] });
    const swap = withHostFacts(draft, {
      inventory,
      templates,
      sizes: new Map([...images].flatMap(([id, m]) => (m.unpackedBytes === undefined ? [] : [[id, m.unpackedBytes] as const]))),
    });
    // [trust] for every image a slot is recreated from (rollback without --to), before anything changes.
    await checkTrust({ store: req.store, inventory, verified, trusted }, recreated(swap));
    const tags = await tagsById(req.store);
    deps.onPlan?.(swap, tags);
    const report = {
      mode: req.mode,
      inventory: inventory.path,
      dryRun: req.dryRun === true,
      plan: swap,
      tags: Object.fromEntries([...tags].filter(([id]) => swap.nodes.some((n) => n.target === id || n.running === id))),
    };
    if (req.dryRun || swap.nodes.length === 0) return report;
    needTemplates(swap, images);
    // What each host must offer (bridge, storage, tools, free slot ids), all problems at once, before any change.
    await preflightHosts({ swap, inventory, drivers: hosts.drivers });
    // Pinned before apply too: a gc running meanwhile must not take an image being copied to a host.
    await writeKeptImages(req.store, inventory, [...(await readKeptImages(req.store, inventory)), ...images.keys()]);
    const result = await applyWithJournal({ inventory, swap, images, drivers: hosts.drivers, allOrNothing: req.allOrNothing, deps });
    await keepImagesAfter({ store: req.store, inventory, nodes, all: req.nodes === undefined || req.nodes.length === 0, hosts });
    return { ...report, result };
  } finally {
    await hosts?.close();
    await release();
  }
}

/** Images the plan creates a slot from (a flip to a stopped slot creates nothing). */
function recreated(swap: SwapPlan): string[] {
  return [...new Set(swap.nodes.filter((n) => n.actions.some((a) => a.kind === "create")).map((n) => n.target))].filter((t) => t !== "");
}

/** With an inventory [trust] section: each image (and with require_provenance its provenance) signed by every required principal. */
async function checkTrust(
  o: { readonly store: string; readonly inventory: Inventory; readonly verified: Map<string, Verified>; readonly trusted: Set<string> },
  ids: readonly string[],
): Promise<void> {
  const trust = o.inventory.trust;
  if (!trust) return;
  for (const id of ids) {
    if (o.trusted.has(id) || !(await hasImage(o.store, id))) continue; // a missing one: needTemplates refuses it
    const v = o.verified.get(id) ?? (await verifiedImage(o.store, id));
    o.verified.set(id, v);
    await requireTrusted(o.store, v.image, v.manifest, trust);
    o.trusted.add(id);
  }
}

/** A value the CLI must have given. */
function required<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new UserError(`missing ${what}`);
  return v;
}

/** Every image a plan takes a node to. */
function targetsOf(swap: SwapPlan): string[] {
  return [...new Set(swap.nodes.filter((n) => n.actions.some((a) => a.kind !== "none") || swap.kind === "resume").map((n) => n.target))].filter(
    (t) => t !== "",
  );
}

/** Template file, digest and [verify] of each target the store has (one it lacks may still be a flip). */
async function imageInfos(store: string, ids: readonly string[], verified: ReadonlyMap<string, Verified>): Promise<Map<string, ImageInfo>> {
  const out = new Map<string, ImageInfo>();
  for (const id of ids) {
    if (!(await hasImage(store, id))) continue;
    // Verified against the manifest before it can be uploaded (the host checks its copy against this sha256).
    const { image, manifest: m } = verified.get(id) ?? (await verifiedImage(store, id));
    out.set(id, { image: id, file: image.template, sha256: m.template.sha256, verify: m.verify, unpackedBytes: m.tarSize, store });
  }
  return out;
}

/** Refuses (before anything changes) a plan that must create a container from an image the store no longer has. */
function needTemplates(swap: SwapPlan, images: ReadonlyMap<string, ImageInfo>): void {
  const missing = swap.nodes.filter((n) => n.actions.some((a) => a.kind === "create") && !images.has(n.target));
  if (missing.length) {
    throw new UserError(
      missing.map((n) => ({ key: `nodes.${n.node}`, message: `needs ${n.target} recreated, but the store no longer has that image` })),
      { hint: "bake it again (same lock and recipe give the same id) or roll back --to an image the store has" },
    );
  }
}

/** Opens the journal, applies, closes the journal. */
async function applyWithJournal(o: {
  readonly inventory: Inventory;
  readonly swap: SwapPlan;
  readonly images: ReadonlyMap<string, ImageInfo>;
  readonly drivers: Hosts["drivers"];
  readonly allOrNothing?: boolean;
  readonly deps: DeployDeps;
}): Promise<ApplyResult> {
  const writer = await JournalWriter.open(journalPathFor(o.inventory.path));
  try {
    return await apply({
      plan: o.swap,
      inventory: o.inventory,
      drivers: o.drivers,
      images: o.images,
      journal: writer,
      allOrNothing: o.allOrNothing,
      pollMs: o.deps.pollMs,
      log: o.deps.log ?? info,
    });
  } finally {
    await writer.close();
  }
}

/** Re-reads the slots and records what they hold for gc to keep (the whole inventory's set, or added to it for --nodes). */
async function keepImagesAfter(o: {
  readonly store: string;
  readonly inventory: Inventory;
  readonly nodes: readonly NodeInventory[];
  readonly all: boolean;
  readonly hosts: Hosts;
}): Promise<void> {
  const observed = await observeNodes({ nodes: o.nodes, drivers: o.hosts.drivers });
  const journal: readonly JournalEntry[] = await readJournal(journalPathFor(o.inventory.path));
  const now = imagesToKeep({ observed, journal });
  await writeKeptImages(o.store, o.inventory, o.all ? now : [...(await readKeptImages(o.store, o.inventory)), ...now]);
}
