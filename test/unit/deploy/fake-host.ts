// A test double for a HOST (not for kiln's code): containers as records, every call logged, failures and
// a "kill -9" on demand. Unit tests of plan/apply logic use it; the real drivers have integration tests.
import type { RunResult } from "../../../src/exec/run.js";
import type { Problem } from "../../../src/errors.js";
import type { HostDriver, Inventory, JournalEntry, NodeInventory, NodeState, PreflightNode, SlotState } from "../../../src/deploy/types.js";

/** Thrown by every call once the world is "killed": the kiln process is gone, nothing more happens. */
export class Killed extends Error {}

/** How a booted container of one image behaves. */
export interface ImageBehaviour {
  readonly systemd?: "running" | "degraded" | "starting";
  readonly failedUnits?: readonly string[];
  /** Exit code per command (argv joined with spaces); others exit 0. */
  readonly exits?: Readonly<Record<string, number>>;
}

/** Shared by every fake host of one test: a call budget to simulate kill -9 after N effects. */
export class World {
  effects = 0;
  killAfter = Infinity;
  /** Effects attempted after the kill: the run really was cut short. */
  refused = 0;
  readonly journal: JournalEntry[] = [];
  readonly behaviour = new Map<string, ImageBehaviour>();
  clock = 0;

  /** Counts one effect (a host change or a journal line); throws Killed once the budget is spent. */
  effect(): void {
    if (this.effects >= this.killAfter) {
      this.refused++;
      throw new Killed("killed");
    }
    this.effects++;
  }

  /** The journal as apply writes it. */
  readonly writer = {
    append: async (e: Omit<JournalEntry, "time">): Promise<JournalEntry> => {
      this.effect();
      const full = { time: new Date(1_700_000_000_000 + this.journal.length * 1000).toISOString(), ...e };
      this.journal.push(full);
      return full;
    },
  };

  /** A fresh process after a kill: same hosts and journal, no budget. */
  revive(): void {
    this.killAfter = Infinity;
    this.refused = 0;
  }
}

export interface Container {
  running: boolean;
  image: string;
  node: string;
}

export class FakeHost implements HostDriver {
  readonly kind = "lxc" as const;
  /** Calls that happened (a call refused by a killed world is not one). */
  readonly calls: string[] = [];
  readonly containers = new Map<number, Container>();
  readonly templates = new Set<string>();
  /** Calls ("start 1102", "create 1102", "template sha256:…") that fail once each, or always with `*`. */
  readonly failing = new Set<string>();
  /** Exit codes of commands in one container ("102 check bbbb…"), over the image's behaviour. */
  readonly exits = new Map<string, number>();
  /** Bridges the host has (preflight reports a node on any other). */
  readonly bridges = new Set(["br0"]);
  /** What each preflight was asked: "node:free slots" per node. */
  readonly preflights: string[][] = [];

  constructor(
    readonly name: string,
    readonly world: World,
  ) {}

  /** Fails `call` if it was set to fail. */
  private maybeFail(call: string): void {
    if (this.failing.has(call)) throw new Error(`${this.name}: ${call} failed (test)`);
  }

  async ensureTemplate(t: { readonly image: string }): Promise<void> {
    this.calls.push(`template ${t.image}`);
    this.maybeFail(`template ${t.image}`);
    if (this.templates.has(t.image)) return;
    this.world.effect();
    this.templates.add(t.image);
  }

  async hasTemplate(t: { readonly image: string }): Promise<boolean> {
    return this.templates.has(t.image);
  }

  async slotState(vmid: number): Promise<SlotState> {
    const c = this.containers.get(vmid);
    return c ? { vmid, exists: true, running: c.running, image: c.image } : { vmid, exists: false, running: false };
  }

  async create(node: NodeInventory, vmid: number, image: string): Promise<void> {
    this.world.effect();
    this.calls.push(`create ${vmid}`);
    if (this.containers.has(vmid)) throw new Error(`${this.name}: container ${vmid} already exists`);
    if (!this.templates.has(image)) throw new Error(`${this.name}: no template for ${image}`);
    this.maybeFail(`create ${vmid}`);
    this.containers.set(vmid, { running: false, image, node: node.name });
  }

  async start(vmid: number): Promise<void> {
    this.world.effect();
    this.calls.push(`start ${vmid}`);
    this.maybeFail(`start ${vmid}`);
    const c = this.containers.get(vmid);
    if (!c) throw new Error(`${this.name}: no container ${vmid}`);
    const clash = [...this.containers.entries()].find(([id, o]) => id !== vmid && o.running && o.node === c.node);
    if (clash) throw new Error(`${this.name}: ${vmid} and ${clash[0]} of node ${c.node} would run at once (same MAC)`);
    c.running = true;
  }

  async stop(vmid: number): Promise<void> {
    this.world.effect();
    this.calls.push(`stop ${vmid}`);
    this.maybeFail(`stop ${vmid}`);
    const c = this.containers.get(vmid);
    if (c) c.running = false;
  }

  async destroy(vmid: number): Promise<void> {
    this.world.effect();
    this.calls.push(`destroy ${vmid}`);
    this.maybeFail(`destroy ${vmid}`);
    const c = this.containers.get(vmid);
    if (c?.running) throw new Error(`${this.name}: ${vmid} is running`);
    this.containers.delete(vmid);
  }

  async exec(vmid: number, argv: readonly string[]): Promise<RunResult> {
    // The clock moves first, so a gate polling a dead world still reaches its deadline.
    this.world.clock += 10;
    this.world.effect();
    const c = this.containers.get(vmid);
    if (!c?.running) throw new Error(`${this.name}: ${vmid} is not running`);
    const b = this.world.behaviour.get(c.image) ?? {};
    const cmd = argv.join(" ");
    if (cmd === "systemctl is-system-running --wait" || cmd === "systemctl is-system-running") {
      const state = b.systemd ?? "running";
      return { exitCode: state === "running" ? 0 : 1, stdout: `${state}\n`, stderr: "" };
    }
    if (cmd.startsWith("systemctl list-units --state=failed"))
      return { exitCode: 0, stdout: (b.failedUnits ?? []).map((u) => `${u} loaded failed failed ${u}\n`).join(""), stderr: "" };
    const code = this.exits.get(`${vmid} ${cmd}`) ?? b.exits?.[cmd] ?? 0;
    return { exitCode: code, stdout: code ? `${cmd}: not ok\n` : "ok\n", stderr: "" };
  }

  async preflight(nodes: readonly PreflightNode[]): Promise<Problem[]> {
    this.preflights.push(nodes.map((n) => `${n.node.name}:${n.freeSlots.join(",")}`));
    return nodes
      .filter((n) => !this.bridges.has(n.node.network.bridge))
      .map((n) => ({ key: `nodes.${n.node.name}.network.bridge`, message: `no bridge ${n.node.network.bridge} on ${this.name}` }));
  }

  /** Puts a container in place directly (test setup). */
  put(vmid: number, c: Container): void {
    this.containers.set(vmid, { ...c });
    this.templates.add(c.image);
  }
}

/** Both slots of every node, as a driver reports them. */
export async function observeAll(inv: Inventory, hosts: ReadonlyMap<string, FakeHost>): Promise<NodeState[]> {
  return Promise.all(
    inv.nodes.map(async (n) => {
      const h = hosts.get(n.host) as FakeHost;
      return { node: n.name, slots: [await h.slotState(n.slots[0]), await h.slotState(n.slots[1])] as const };
    }),
  );
}

/** Image ids for tests. */
export const IMG = {
  a: `sha256:${"a".repeat(64)}`,
  b: `sha256:${"b".repeat(64)}`,
  c: `sha256:${"c".repeat(64)}`,
} as const;
