// plan / planRollback / planResume: pure functions of inventory + observed slots + journal.
import { describe, expect, it } from "vitest";
import { plan, planResume, planRollback } from "../../../src/deploy/plan.js";
import { renderPlan } from "../../../src/deploy/plan-table.js";
import type { JournalEntry, NodePlan, NodeState, SlotState, SwapPlan } from "../../../src/deploy/types.js";
import { UserError } from "../../../src/errors.js";
import { IMG } from "./fake-host.js";
import { setup } from "./harness.js";

const { a: A, b: B, c: C } = IMG;

// n1 (101/102) and n2 (201/202) on h1, n3 (301/302) on h2.
const { inventory } = setup();

/** A slot as a driver reports it: absent, or holding `image`, running or not. */
function slot(vmid: number, image?: string, running = false): SlotState {
  return image === undefined ? { vmid, exists: false, running: false } : { vmid, exists: true, running, image };
}

/** Observed state of n1 (and empty n2, n3). */
function n1(s0: SlotState, s1: SlotState): NodeState[] {
  return [
    { node: "n1", slots: [s0, s1] },
    { node: "n2", slots: [slot(201), slot(202)] },
    { node: "n3", slots: [slot(301), slot(302)] },
  ];
}

/** Journal lines of one node's run: begin, then the given events. */
function run(deploy: string, image: string, o: { previous?: string; from?: number; to: number }, ...events: JournalEntry["event"][]): JournalEntry[] {
  const e = (event: JournalEntry["event"]): JournalEntry => ({
    time: "2024-01-01T00:00:00.000Z",
    deploy,
    node: "n1",
    event,
    image,
    previous: o.previous,
    fromSlot: o.from,
    toSlot: o.to,
  });
  return [e("begin"), ...events.map(e)];
}

const FULL = ["created", "stopped-old", "started-new", "healthy", "done"] as const;
const nodeN1 = (p: SwapPlan): NodePlan | undefined => p.nodes.find((n) => n.node === "n1");

describe("plan (deploy)", () => {
  it("first deploy: template, create the first slot, start, health", () => {
    const p = plan({ inventory, image: A, observed: n1(slot(101), slot(102)), journal: [], nodes: ["n1"] });
    expect(p.nodes).toHaveLength(1);
    expect(p.nodes[0]).toMatchObject({ node: "n1", host: "h1", running: undefined, target: A, toSlot: 101, fromSlot: undefined });
    expect(p.nodes[0]?.actions).toEqual([
      { kind: "upload-template", image: A },
      { kind: "create", vmid: 101, image: A },
      { kind: "start", vmid: 101 },
      { kind: "health", vmid: 101 },
    ]);
  });

  it("swap: create the inactive slot, stop the active, start the new, health; no upload when the host has it", () => {
    const p = plan({
      inventory,
      image: B,
      observed: n1(slot(101, A, true), slot(102)),
      journal: run("d1", A, { to: 101 }, ...FULL),
      templates: new Map([["h1", new Set([B])]]),
    });
    expect(nodeN1(p)).toMatchObject({ running: A, target: B, toSlot: 102, fromSlot: 101, previous: A });
    expect(nodeN1(p)?.actions).toEqual([
      { kind: "create", vmid: 102, image: B },
      { kind: "stop", vmid: 101 },
      { kind: "start", vmid: 102 },
      { kind: "health", vmid: 102 },
    ]);
  });

  it("idempotent: the image a node runs needs nothing, and says so", () => {
    const p = plan({ inventory, image: B, observed: n1(slot(101, A), slot(102, B, true)), journal: [] });
    expect(nodeN1(p)?.actions).toEqual([{ kind: "none", reason: `already running ${"b".repeat(12)}` }]);
    expect(nodeN1(p)?.toSlot).toBe(102);
  });

  it("stale inactive slot holding another image is destroyed before the create", () => {
    const p = plan({ inventory, image: C, observed: n1(slot(101, A), slot(102, B, true)), journal: [] });
    expect(nodeN1(p)?.actions).toEqual([
      { kind: "upload-template", image: C },
      { kind: "destroy", vmid: 101 },
      { kind: "create", vmid: 101, image: C },
      { kind: "stop", vmid: 102 },
      { kind: "start", vmid: 101 },
      { kind: "health", vmid: 101 },
    ]);
  });

  it("the inactive slot already holding the target is a flip: no template, no create", () => {
    const p = plan({ inventory, image: A, observed: n1(slot(101, A), slot(102, B, true)), journal: [] });
    expect(nodeN1(p)?.actions).toEqual([
      { kind: "stop", vmid: 102 },
      { kind: "start", vmid: 101 },
      { kind: "health", vmid: 101 },
    ]);
  });

  it("nothing running: rebuilds in the slot that was not last healthy and keeps that one as the fallback", () => {
    const journal = run("d1", A, { to: 101 }, ...FULL);
    const p = plan({ inventory, image: C, observed: n1(slot(101, A), slot(102, B)), journal });
    expect(nodeN1(p)).toMatchObject({ toSlot: 102, fromSlot: 101 });
    expect(nodeN1(p)?.actions.map((x) => x.kind)).toEqual(["upload-template", "destroy", "create", "start", "health"]);
  });

  it("both slots running (one MAC twice): stops the one that is not last healthy first", () => {
    const journal = run("d1", A, { to: 101 }, ...FULL);
    const p = plan({ inventory, image: A, observed: n1(slot(101, A, true), slot(102, B, true)), journal });
    expect(nodeN1(p)?.actions).toEqual([{ kind: "stop", vmid: 102 }]);
  });

  it("refuses to destroy a container kiln did not create, naming the slot key", () => {
    const foreign: SlotState = { vmid: 101, exists: true, running: false };
    const err = (() => {
      try {
        plan({ inventory, image: C, observed: n1(foreign, slot(102, B, true)), journal: [] });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).problems[0]).toMatchObject({ key: "nodes.n1.slots[0]" });
    expect((err as Error).message).toMatch(/container 101 on host h1 exists but kiln did not create it/);
    // With a journal entry saying kiln was creating it (a create killed half-way), it may go.
    const p = plan({
      inventory,
      image: C,
      observed: n1(foreign, slot(102, B, true)),
      journal: run("d1", C, { previous: B, from: 102, to: 101 }, "failed", "reverted"),
    });
    expect(nodeN1(p)?.actions.map((x) => x.kind)).toContain("destroy");
  });

  it("refuses a new deploy while a node's last deploy is unfinished", () => {
    const journal = run("d2", B, { previous: A, from: 101, to: 102 }, "created", "stopped-old");
    expect(() => plan({ inventory, image: C, observed: n1(slot(101, A), slot(102, B)), journal })).toThrow(
      /deploy d2 of bbbbbbbbbbbb did not finish on this node \(last step: stopped-old\)[\s\S]*kiln deploy --resume/,
    );
  });
});

describe("planRollback", () => {
  const history = [...run("d1", A, { to: 101 }, ...FULL), ...run("d2", B, { previous: A, from: 101, to: 102 }, ...FULL)];

  it("goes back to the image run before, as a flip when the inactive slot still holds it", () => {
    const p = planRollback({ inventory, observed: n1(slot(101, A), slot(102, B, true)), journal: history, nodes: ["n1"] });
    expect(p.kind).toBe("rollback");
    expect(nodeN1(p)).toMatchObject({ target: A, toSlot: 101, fromSlot: 102 });
    expect(nodeN1(p)?.actions.map((x) => x.kind)).toEqual(["stop", "start", "health"]);
  });

  it("recreates the previous image when its slot was reused (a reverted candidate took it)", () => {
    const journal = [...history, ...run("d3", C, { previous: B, from: 102, to: 101 }, "created", "stopped-old", "started-new", "failed", "reverted")];
    const p = planRollback({ inventory, observed: n1(slot(101, C), slot(102, B, true)), journal, nodes: ["n1"] });
    expect(nodeN1(p)?.target).toBe(A);
    expect(nodeN1(p)?.actions.map((x) => x.kind)).toEqual(["upload-template", "destroy", "create", "stop", "start", "health"]);
  });

  it("--to takes any image; a node already on it is unchanged", () => {
    const p = planRollback({ inventory, to: B, observed: n1(slot(101, A), slot(102, B, true)), journal: history });
    expect(nodeN1(p)?.actions[0]).toMatchObject({ kind: "none" });
    expect(p.nodes.find((n) => n.node === "n2")?.actions.map((x) => x.kind)).toEqual(["upload-template", "create", "start", "health"]);
  });

  it("a node with no earlier image stays as it is", () => {
    const p = planRollback({ inventory, observed: n1(slot(101, A, true), slot(102)), journal: run("d1", A, { to: 101 }, ...FULL), nodes: ["n1"] });
    expect(nodeN1(p)?.actions).toEqual([{ kind: "none", reason: "no earlier image in the journal to roll back to" }]);
  });

  it("an unfinished deploy is undone: back to what ran before it", () => {
    const journal = [...history, ...run("d3", C, { previous: B, from: 102, to: 101 }, "created", "stopped-old")];
    const p = planRollback({ inventory, observed: n1(slot(101, C), slot(102, B)), journal, nodes: ["n1"] });
    expect(nodeN1(p)).toMatchObject({ target: B, toSlot: 102 });
    expect(nodeN1(p)?.actions.map((x) => x.kind)).toEqual(["start", "health"]);
  });
});

describe("planResume: each point a deploy can stop at", () => {
  const before = run("d1", A, { to: 101 }, ...FULL);
  const resume = (events: JournalEntry["event"][], s0: SlotState, s1: SlotState) =>
    nodeN1(planResume({ inventory, observed: n1(s0, s1), journal: [...before, ...run("d2", B, { previous: A, from: 101, to: 102 }, ...events)] }));

  it("nothing to resume when every run ended", () => {
    const p = planResume({ inventory, observed: n1(slot(101, A, true), slot(102)), journal: before });
    expect(p.nodes).toEqual([]);
    expect(renderPlan(p)).toMatch(/nothing to resume/);
  });

  it("after begin (create killed half-way): the half-made slot is replaced", () => {
    const p = resume([], slot(101, A, true), { vmid: 102, exists: true, running: false });
    expect(p?.actions.map((x) => x.kind)).toEqual(["upload-template", "destroy", "create", "stop", "start", "health"]);
    expect(p?.previous).toBe(A);
  });

  it("after created: a flip to the new slot", () => {
    expect(resume(["created"], slot(101, A, true), slot(102, B))?.actions.map((x) => x.kind)).toEqual(["stop", "start", "health"]);
  });

  it("after stopped-old (nothing runs): start the new slot, with the old one as fallback", () => {
    const p = resume(["created", "stopped-old"], slot(101, A), slot(102, B));
    expect(p).toMatchObject({ toSlot: 102, fromSlot: 101, previous: A });
    expect(p?.actions).toEqual([
      { kind: "start", vmid: 102 },
      { kind: "health", vmid: 102 },
    ]);
  });

  it("after started-new: only the health gate is left", () => {
    const p = resume(["created", "stopped-old", "started-new"], slot(101, A), slot(102, B, true));
    expect(p?.actions).toEqual([{ kind: "health", vmid: 102 }]);
    expect(p).toMatchObject({ fromSlot: 101, previous: A });
  });

  it("after healthy: nothing left but recording done", () => {
    const p = resume(["created", "stopped-old", "started-new", "healthy"], slot(101, A), slot(102, B, true));
    expect(p?.actions[0]?.kind).toBe("none");
  });

  it("after failed (killed while reverting): back to the previous image", () => {
    const p = resume(["created", "stopped-old", "started-new", "failed"], slot(101, A), slot(102, B));
    expect(p).toMatchObject({ target: A, toSlot: 101, revert: true });
    expect(p?.actions.map((x) => x.kind)).toEqual(["start", "health"]);
  });

  it("a failed first deploy has nothing to go back to: stop what it started", () => {
    const p = nodeN1(
      planResume({ inventory, observed: n1(slot(101, A, true), slot(102)), journal: run("d1", A, { to: 101 }, "created", "started-new", "failed") }),
    );
    expect(p).toMatchObject({ revert: true, actions: [{ kind: "stop", vmid: 101 }] });
  });
});

describe("renderPlan", () => {
  it("prints node, host, running and target as 12 hex + tag, and the actions", () => {
    const p = plan({ inventory, image: B, observed: n1(slot(101, A, true), slot(102)), journal: run("d1", A, { to: 101 }, ...FULL) });
    const text = renderPlan(p, new Map([[B, ["rc2"]]]));
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^NODE\s+HOST\s+RUNNING\s+TARGET\s+ACTIONS$/);
    expect(lines[1]).toMatch(/^n1\s+h1\s+aaaaaaaaaaaa\s+bbbbbbbbbbbb \(rc2\)\s+upload template, create 102, stop 101, start 102, health 102$/);
    expect(lines[2]).toMatch(/^n2\s+h1\s+-\s+bbbbbbbbbbbb \(rc2\)\s+upload template, create 201, start 201, health 201$/);
    expect(lines[3]).toMatch(/^n3\s+h2\s+-\s+/);
  });
});

describe("plan checks for real Proxmox storage (issue #12)", () => {
  const disk = inventory.nodes.find((n) => n.name === "n1")?.disk ?? 0;

  it("refuses a create whose unpacked image does not fit the node's fixed-size disk, before anything is touched", () => {
    const sizes = (bytes: number) => new Map([[A, bytes]]);
    const at = (bytes: number) => plan({ inventory, image: A, observed: n1(slot(101), slot(102)), journal: [], nodes: ["n1"], sizes: sizes(bytes) });
    // Exactly the disk's size leaves nothing for the filesystem itself.
    expect(() => at(disk * 1024 ** 3)).toThrow(
      new RegExp(
        `nodes\\.n1\\.disk: image [0-9a-f]{12} unpacks to \\d+ MiB \\(\\d+ MiB with 10% for the filesystem\\), more than disk = ${disk} GiB; set disk = ${disk + 1} or more`,
      ),
    );
    expect(at(100 * 1024 ** 2).nodes[0]?.actions.map((a) => a.kind)).toContain("create");
  });

  it("does not check a flip to a slot that already holds the image (nothing is unpacked)", () => {
    const p = plan({
      inventory,
      image: B,
      observed: n1(slot(101, A, true), slot(102, B)),
      journal: run("d1", A, { to: 101 }, ...FULL),
      nodes: ["n1"],
      sizes: new Map([[B, 10 * disk * 1024 ** 3]]),
    });
    expect(nodeN1(p)?.actions.map((a) => a.kind)).toEqual(["stop", "start", "health"]);
  });

  it("refuses a plan that destroys a slot of a node on an SDN vnet with IPAM (its MAC's entries would go), but allows a flip", () => {
    const onIpam = { ...inventory, nodes: inventory.nodes.map((n) => (n.name === "n1" ? { ...n, network: { ...n.network, ipam: true } } : n)) };
    const journal = [...run("d1", A, { to: 101 }, ...FULL), ...run("d2", B, { previous: A, from: 101, to: 102 }, ...FULL)];
    const deploy = (image: string) => plan({ inventory: onIpam, image, observed: n1(slot(101, A), slot(102, B, true)), journal, nodes: ["n1"] });
    expect(() => deploy(C)).toThrow(
      /nodes\.n1\.network\.ipam: the plan destroys container 101, and on an SDN vnet with IPAM pct destroy deletes the IPAM entries of MAC/,
    );
    expect(nodeN1(deploy(A))?.actions.map((a) => a.kind)).toEqual(["stop", "start", "health"]);
  });

  it("lets destroy clear a lock only on a slot the journal shows kiln was creating", () => {
    const half: SlotState = { vmid: 102, exists: true, running: false };
    const history = run("d1", A, { to: 101 }, ...FULL);
    const killedInCreate = [...history, ...run("d2", B, { previous: A, from: 101, to: 102 }, "creating")];
    const destroyOf = (journal: JournalEntry[]) =>
      nodeN1(planResume({ inventory, observed: n1(slot(101, A, true), half), journal }))?.actions.find((a) => a.kind === "destroy");
    expect(destroyOf(killedInCreate)).toEqual({ kind: "destroy", vmid: 102, kilnLock: true });
    // Begun but never at create: the slot is kiln's to replace, but a lock on it is not kiln's.
    expect(destroyOf([...history, ...run("d2", B, { previous: A, from: 101, to: 102 })])).toEqual({ kind: "destroy", vmid: 102 });
  });
});
