// Runs plan + apply against fake hosts, the way the deploy command does against real ones.
import { apply, type ApplyResult, type ImageInfo } from "../../../src/deploy/apply.js";
import { parseInventory } from "../../../src/inventory/load.js";
import { plan, planResume, planRollback } from "../../../src/deploy/plan.js";
import type { Inventory, SwapPlan } from "../../../src/deploy/types.js";
import { FakeHost, IMG, observeAll, World } from "./fake-host.js";

export interface Env {
  readonly inventory: Inventory;
  readonly world: World;
  readonly hosts: ReadonlyMap<string, FakeHost>;
}

/** Three nodes: n1, n2 on h1 (one at a time), n3 on h2. */
export const THREE_NODES = `
[hosts.h1]
address = "local"
driver = "lxc"
parallel = 1

[hosts.h2]
address = "local"
driver = "lxc"
parallel = 2

[nodes.n1]
host = "h1"
slots = [101, 102]
network = { bridge = "br0", ip = "10.0.0.11/24", mac = "02:00:00:00:00:01" }

[nodes.n2]
host = "h1"
slots = [201, 202]
network = { bridge = "br0", ip = "10.0.0.12/24", mac = "02:00:00:00:00:02" }

[nodes.n3]
host = "h2"
slots = [301, 302]
network = { bridge = "br0", ip = "10.0.0.13/24", mac = "02:00:00:00:00:03" }
`;

/** Fake hosts for every host of the inventory in `toml`. */
export function setup(toml = THREE_NODES): Env {
  const inventory = parseInventory(toml, "/srv/site.toml");
  const world = new World();
  const hosts = new Map(inventory.hosts.map((h) => [h.name, new FakeHost(h.name, world)]));
  return { inventory, world, hosts };
}

/** Every test image, each with one [verify] command `check <hex12>`. */
export const IMAGES: ReadonlyMap<string, ImageInfo> = new Map(
  Object.values(IMG).map((image) => [
    image,
    {
      image,
      file: `/store/${image.slice(7, 19)}.tar.zst`,
      sha256: "0".repeat(64),
      verify: { allowDegraded: ["flaky.service"], commands: [["check", image.slice(7, 19)]], timeout: 5 },
    },
  ]),
);

/** The verify command of an image, as FakeHost's `exits` keys it. */
export const checkOf = (image: string): string => `check ${image.slice(7, 19)}`;

/** Observes the fake hosts and plans with `make`, then applies. */
export async function planAndApply(
  env: Env,
  make: (i: Parameters<typeof planResume>[0]) => SwapPlan,
  o: { readonly allOrNothing?: boolean } = {},
): Promise<{ plan: SwapPlan; result: ApplyResult }> {
  const observed = await observeAll(env.inventory, env.hosts);
  const templates = new Map([...env.hosts].map(([name, h]) => [name, new Set(h.templates)]));
  const p = make({ inventory: env.inventory, observed, journal: env.world.journal, templates });
  const result = await apply({
    plan: p,
    inventory: env.inventory,
    drivers: env.hosts,
    images: IMAGES,
    journal: env.world.writer,
    allOrNothing: o.allOrNothing,
    now: () => env.world.clock,
    pollMs: 0,
    log: () => undefined,
  });
  return { plan: p, result };
}

/** `kiln deploy IMAGE` against the fake hosts. */
export function deploy(env: Env, image: string, o: { readonly allOrNothing?: boolean; readonly nodes?: readonly string[] } = {}) {
  return planAndApply(env, (i) => plan({ ...i, image, nodes: o.nodes }), o);
}

/** `kiln rollback [--to]`. */
export function rollback(env: Env, to?: string) {
  return planAndApply(env, (i) => planRollback({ ...i, to }));
}

/** `kiln deploy --resume`. */
export function resume(env: Env) {
  return planAndApply(env, (i) => planResume(i));
}

/** What each node runs now: node → image (or "-" when nothing runs). */
export async function running(env: Env): Promise<Record<string, string>> {
  const states = await observeAll(env.inventory, env.hosts);
  return Object.fromEntries(
    states.map((s) => [
      s.node,
      s.slots
        .filter((x) => x.running)
        .map((x) => x.image ?? "?")
        .join("+") || "-",
    ]),
  );
}

/** The journal's events for one node, in order. */
export function events(env: Env, node: string): string[] {
  return env.world.journal.filter((e) => e.node === node).map((e) => e.event);
}
