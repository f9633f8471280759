// The command layer over fake hosts and a real (temporary) store: runDeploy for deploy / dry-run /
// rollback / resume, the journal file and lock beside the inventory, pins for gc, status, history,
// and verify's throwaway container being destroyed whatever happens.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDeploy, type DeployRequest } from "../../../src/deploy/deploy.js";
import type { Connect } from "../../../src/deploy/hosts.js";
import { JournalWriter, journalPathFor, readJournal } from "../../../src/deploy/journal.js";
import { journalHistory, nodeStatus } from "../../../src/deploy/status.js";
import { verifyImage } from "../../../src/deploy/verify.js";
import { gc, writeTag } from "../../../src/store/index.js";
import { addVariant, meta } from "../store/helpers.js";
import { FakeHost, World } from "./fake-host.js";
import { THREE_NODES } from "./harness.js";

let tmp: string;
let store: string;
let inventory: string;
const ids: string[] = [];
const world = new World();
const hosts = new Map([
  ["h1", new FakeHost("h1", world)],
  ["h2", new FakeHost("h2", world)],
]);
let closed = 0;
const connect: Connect = async (_inv, names) => ({ drivers: new Map(names.map((n) => [n, hosts.get(n) as FakeHost])), close: async () => void closed++ });
const req = (o: Partial<DeployRequest>): DeployRequest => ({ mode: "deploy", inventory, store, ...o });
const deps = { connect, log: () => undefined, pollMs: 0 };
const running = () =>
  [...hosts.values()].flatMap((h) => [...h.containers].filter(([, c]) => c.running).map(([vmid, c]) => `${vmid}:${ids.indexOf(c.image)}`)).sort();

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-deploy-cmd-"));
  store = join(tmp, "store");
  inventory = join(tmp, "site.toml");
  await writeFile(inventory, THREE_NODES);
  for (const v of ["one", "two", "three"])
    ids.push((await addVariant(store, v, { meta: { verify: { allowDegraded: [], commands: [["check", v]], timeout: 5 } } })).image.id);
  await writeTag(store, "rc1", ids[0] as string);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("runDeploy", () => {
  it("--dry-run plans (template upload included) and changes nothing, not even the journal", async () => {
    let shown = "";
    const r = await runDeploy(req({ ref: "rc1", dryRun: true }), {
      ...deps,
      onPlan: (p) => (shown = p.nodes.map((n) => n.actions.map((a) => a.kind).join(",")).join(" ")),
    });
    expect(r.dryRun).toBe(true);
    expect(r.result).toBeUndefined();
    expect(shown).toBe("upload-template,create,start,health upload-template,create,start,health upload-template,create,start,health");
    expect(r.tags).toEqual({ [ids[0] as string]: ["rc1"] });
    expect(existsSync(journalPathFor(inventory))).toBe(false);
    expect(running()).toEqual([]);
  });

  it("deploys a tag: journal beside the inventory, the verify commands from the manifest, pins for gc, lock released", async () => {
    const calls: string[] = [];
    const h1 = hosts.get("h1") as FakeHost;
    const exec = h1.exec.bind(h1);
    h1.exec = (vmid, argv) => (calls.push(argv.join(" ")), exec(vmid, argv));
    const r = await runDeploy(req({ ref: "rc1" }), deps);
    h1.exec = exec;
    expect(r.result?.ok).toBe(true);
    expect(running()).toEqual(["101:0", "201:0", "301:0"]);
    expect(calls).toContain("check one");
    const journal = await readJournal(journalPathFor(inventory));
    expect(journal.filter((e) => e.event === "done")).toHaveLength(3);
    expect(existsSync(`${inventory}.lock`)).toBe(false);
    expect(closed).toBeGreaterThan(0);
    expect((await readFile(join(store, "pins", "site"), "utf8")).split("\n").filter((l) => l.startsWith("sha256:"))).toEqual([ids[0]]);
  });

  it("a second image swaps every node; pins keep both (the running one and the rollback target)", async () => {
    const r = await runDeploy(req({ ref: ids[1] as string }), deps);
    expect(r.result?.nodes.map((n) => n.status)).toEqual(["done", "done", "done"]);
    expect(running()).toEqual(["102:1", "202:1", "302:1"]);
    const pins = (await readFile(join(store, "pins", "site"), "utf8")).split("\n").filter((l) => l.startsWith("sha256:"));
    expect(pins.sort()).toEqual([ids[0], ids[1]].sort());
    // gc keeps the pinned images even when asked to keep no unpinned ones.
    const g = await gc(store, { keep: 0, dryRun: true });
    expect(g.removed).toEqual([ids[2]]);
  });

  it("refuses an image REF the store does not have, before touching anything", async () => {
    await expect(runDeploy(req({ ref: "nosuchtag" }), deps)).rejects.toThrow(/no image matches 'nosuchtag'/);
    expect(running()).toEqual(["102:1", "202:1", "302:1"]);
  });

  it("refuses to run while another kiln holds the inventory's lock", async () => {
    await writeFile(`${inventory}.lock`, `${process.pid}\n`);
    try {
      await expect(runDeploy(req({ ref: ids[2] as string }), deps)).rejects.toThrow(/another kiln \(pid \d+\) is changing the hosts/);
    } finally {
      await rm(`${inventory}.lock`);
    }
  });

  it("rollback flips back; history lists it newest first; status shows the truth", async () => {
    const r = await runDeploy(req({ mode: "rollback" }), deps);
    expect(r.plan.kind).toBe("rollback");
    expect(r.result?.ok).toBe(true);
    expect(running()).toEqual(["101:0", "201:0", "301:0"]);
    const h = await journalHistory({ inventory });
    expect(h.entries[0]).toMatchObject({ event: "done", image: ids[0] });
    const s = await nodeStatus({ inventory, store }, { connect });
    expect(s.nodes.map((n) => [n.node, n.state, n.slot, n.image, n.tags, n.health, n.standby?.image])).toEqual([
      ["n1", "running", 101, ids[0], ["rc1"], "running", ids[1]],
      ["n2", "running", 201, ids[0], ["rc1"], "running", ids[1]],
      ["n3", "running", 301, ids[0], ["rc1"], "running", ids[1]],
    ]);
  });

  it("resume after a kill between stop and start: status flags it, --resume starts the new slot", async () => {
    // What a kill -9 right after "stop old" leaves: the new slot made, the old stopped, the journal up to
    // stopped-old (the kill-at-every-step test in resume.test.ts covers every other point).
    const h2 = hosts.get("h2") as FakeHost;
    h2.put(302, { running: false, image: ids[2] as string, node: "n3" });
    await h2.stop(301);
    const w = await JournalWriter.open(journalPathFor(inventory));
    const line = { deploy: "d-killed", node: "n3", image: ids[2] as string, previous: ids[0], fromSlot: 301, toSlot: 302 };
    for (const event of ["begin", "created", "stopped-old"] as const) await w.append({ ...line, event });
    await w.close();
    const before = await nodeStatus({ inventory, store }, { connect });
    const n3 = before.nodes.find((n) => n.node === "n3");
    expect(n3?.unfinished).toMatch(/run kiln deploy --resume/);
    await expect(runDeploy(req({ ref: ids[1] as string, nodes: ["n3"] }), deps)).rejects.toThrow(/did not finish on this node/);
    const r = await runDeploy(req({ mode: "resume" }), deps);
    expect(r.plan.kind).toBe("resume");
    expect(r.result?.nodes.map((n) => [n.node, n.status, n.message])).toEqual([["n3", "done", undefined]]);
    expect(h2.containers.get(302)).toMatchObject({ running: true, image: ids[2] });
    expect((await nodeStatus({ inventory, store }, { connect })).nodes.every((n) => n.unfinished === undefined)).toBe(true);
  });

  it("status still reports the other hosts when one does not answer", async () => {
    const h1 = hosts.get("h1") as FakeHost;
    const slotState = h1.slotState.bind(h1);
    h1.slotState = async () => {
      throw new Error("ssh: connect to host h1 port 22: Connection refused");
    };
    try {
      const s = await nodeStatus({ inventory, store }, { connect });
      expect(s.nodes.map((n) => [n.node, n.state])).toEqual([
        ["n1", "unreachable"],
        ["n2", "unreachable"],
        ["n3", "running"],
      ]);
      expect(s.nodes[0]?.error).toMatch(/Connection refused/);
    } finally {
      h1.slotState = slotState;
    }
  });
});

describe("verifyImage", () => {
  const bridges: string[] = [];
  const bridge = { create: async () => (bridges.push("kvtest"), "kvtest"), remove: async (n: string) => void bridges.splice(bridges.indexOf(n), 1) };

  it("boots, runs the manifest's checks, reports each, and destroys the container", async () => {
    const h = new FakeHost("verify", new World());
    const r = await verifyImage({ store, ref: ids[0] as string }, { driver: () => h, bridge, pollMs: 0 });
    expect(r).toMatchObject({ ok: true, systemd: "running", image: ids[0] });
    expect(r.checks.map((c) => [c.argv.join(" "), c.ok])).toEqual([["check one", true]]);
    expect(h.containers.size).toBe(0);
    expect(h.calls.at(-1)).toMatch(/^destroy 9\d{8}$/);
    expect(bridges).toEqual([]);
  });

  it("a failing check fails the report (every check still runs), and the container is still destroyed", async () => {
    const w = new World();
    const h = new FakeHost("verify", w);
    const id = (
      await addVariant(store, "four", {
        meta: {
          ...meta(),
          verify: {
            allowDegraded: [],
            commands: [
              ["check", "a"],
              ["check", "b"],
            ],
            timeout: 5,
          },
        },
      })
    ).image.id;
    w.behaviour.set(id, { exits: { "check a": 2 } });
    const r = await verifyImage({ store, ref: id }, { driver: () => h, bridge, pollMs: 0 });
    expect(r.ok).toBe(false);
    expect(r.checks.map((c) => c.exitCode)).toEqual([2, 0]);
    expect(r.message).toMatch(/1 verify command failed: check a \(exit 2\)/);
    expect(h.containers.size).toBe(0);
  });

  it("a create that fails still leaves nothing behind", async () => {
    const h = new FakeHost("verify", new World());
    h.create = async () => {
      throw new Error("create exploded");
    };
    await expect(verifyImage({ store, ref: ids[0] as string }, { driver: () => h, bridge, pollMs: 0 })).rejects.toThrow(/create exploded/);
    expect(h.calls.some((c) => c.startsWith("destroy"))).toBe(true);
    expect(bridges).toEqual([]);
  });
});
