// apply against fake hosts: the happy path and its journal, downtime, the health gate and reverts,
// all-or-nothing, failures that must leave nothing half-done, parallelism bounds.
import { describe, expect, it } from "vitest";
import { IMG } from "./fake-host.js";
import { checkOf, deploy, events, rollback, running, setup } from "./harness.js";

const { a: A, b: B, c: C } = IMG;
const FULL_FIRST = ["begin", "creating", "created", "started-new", "healthy", "done"];
const FULL_SWAP = ["begin", "creating", "created", "stopped-old", "started-new", "healthy", "done"];

describe("apply", () => {
  it("first deploy: every node created, started and checked; the template copied once per host", async () => {
    const env = setup();
    const { result } = await deploy(env, A);
    expect(result.ok).toBe(true);
    expect(result.kind).toBe("deploy");
    expect(result.nodes.map((n) => [n.node, n.status, n.slot])).toEqual([
      ["n1", "done", 101],
      ["n2", "done", 201],
      ["n3", "done", 301],
    ]);
    expect(await running(env)).toEqual({ n1: A, n2: A, n3: A });
    expect(env.hosts.get("h1")?.calls.filter((c) => c.startsWith("template"))).toEqual([`template ${A}`]);
    for (const n of ["n1", "n2", "n3"]) expect(events(env, n)).toEqual(FULL_FIRST);
    // Every line of one run carries the run's deploy id and image.
    expect(new Set(env.world.journal.map((e) => e.deploy)).size).toBe(1);
    expect(env.world.journal.find((e) => e.event === "begin")).toMatchObject({ image: A, toSlot: 101 });
  });

  it("swap: the new image goes to the other slot, the old one stays stopped; downtime is stop → healthy", async () => {
    const env = setup();
    await deploy(env, A);
    const { result } = await deploy(env, B);
    expect(result.ok).toBe(true);
    expect(await running(env)).toEqual({ n1: B, n2: B, n3: B });
    expect(env.hosts.get("h1")?.containers.get(101)).toMatchObject({ image: A, running: false });
    expect(events(env, "n1").slice(FULL_FIRST.length)).toEqual(FULL_SWAP);
    expect(env.world.journal.filter((e) => e.node === "n1" && e.event === "begin").pop()).toMatchObject({ image: B, previous: A, fromSlot: 101, toSlot: 102 });
  });

  it("downtime is measured from stopping the old slot to the new one passing its gate", async () => {
    const env = setup();
    await deploy(env, A, { nodes: ["n1"] });
    const { result } = await deploy(env, B, { nodes: ["n1"] });
    // The fake clock moves 10 ms per command in a container: systemd state + one verify command.
    expect(result.nodes[0]?.downtimeMs).toBe(20);
    expect(env.world.journal.at(-1)).toMatchObject({ event: "done", downtimeMs: 20 });
    // A first deploy stopped nothing: no downtime to speak of.
    expect(env.world.journal.find((e) => e.event === "done")?.downtimeMs).toBeUndefined();
  });

  it("idempotent: deploying what runs does nothing, writes nothing, and says so", async () => {
    const env = setup();
    await deploy(env, A);
    const lines = env.world.journal.length;
    const calls = env.hosts.get("h1")?.calls.length;
    const { result } = await deploy(env, A);
    expect(result.ok).toBe(true);
    expect(result.nodes.every((n) => n.status === "unchanged" && n.message === `already running ${"a".repeat(12)}`)).toBe(true);
    expect(env.world.journal.length).toBe(lines);
    expect(env.hosts.get("h1")?.calls.length).toBe(calls);
  });

  it("a failed verify command reverts the node: new stopped, old running again, reported as reverted", async () => {
    const env = setup();
    await deploy(env, A);
    env.world.behaviour.set(B, { exits: { [checkOf(B)]: 3 } });
    const { result } = await deploy(env, B, { nodes: ["n1"] });
    expect(result.ok).toBe(false);
    const n1 = result.nodes[0];
    expect(n1).toMatchObject({ node: "n1", status: "reverted", slot: 101 });
    expect(n1?.message).toMatch(/health gate failed: 1 verify command failed: check bbbbbbbbbbbb \(exit 3\)/);
    expect(n1?.gate?.checks[0]).toMatchObject({ ok: false, exitCode: 3 });
    expect(await running(env)).toMatchObject({ n1: A });
    expect(env.hosts.get("h1")?.containers.get(102)).toMatchObject({ image: B, running: false });
    expect(events(env, "n1").slice(FULL_FIRST.length)).toEqual(["begin", "creating", "created", "stopped-old", "started-new", "failed", "reverted"]);
  });

  it("systemd degraded passes only when every failed unit is allowed", async () => {
    const env = setup();
    await deploy(env, A);
    env.world.behaviour.set(B, { systemd: "degraded", failedUnits: ["flaky.service"] });
    expect((await deploy(env, B, { nodes: ["n1"] })).result.ok).toBe(true);
    env.world.behaviour.set(C, { systemd: "degraded", failedUnits: ["flaky.service", "kat-proxy.service"] });
    const { result } = await deploy(env, C, { nodes: ["n1"] });
    expect(result.nodes[0]?.status).toBe("reverted");
    expect(result.nodes[0]?.message).toMatch(/degraded: failed unit kat-proxy\.service \(not in \[verify\]\.allow_degraded\)/);
    expect(await running(env)).toMatchObject({ n1: B });
  });

  it("a container that never finishes booting fails the gate at verify.timeout", async () => {
    const env = setup();
    env.world.behaviour.set(A, { systemd: "starting" });
    const { result } = await deploy(env, A, { nodes: ["n3"] });
    expect(result.nodes[0]?.message).toMatch(/did not finish booting within 5s \(last state: starting\)/);
    // A first deploy has nothing to go back to: the failed candidate is stopped, not left running.
    expect(await running(env)).toMatchObject({ n3: "-" });
    expect(events(env, "n3")).toEqual(["begin", "creating", "created", "started-new", "failed", "reverted"]);
  });

  it("a failure before the old slot stops changes nothing it started: half-made container removed, old still running", async () => {
    const env = setup();
    await deploy(env, A);
    env.hosts.get("h1")?.failing.add("create 102");
    const { result } = await deploy(env, B, { nodes: ["n1"] });
    expect(result.nodes[0]).toMatchObject({ status: "reverted", slot: 101 });
    expect(await running(env)).toMatchObject({ n1: A });
    expect(env.hosts.get("h1")?.containers.has(102)).toBe(false);
    expect(env.hosts.get("h1")?.calls.slice(-2)).toEqual(["create 102", "destroy 102"]);
    expect(events(env, "n1").slice(FULL_FIRST.length)).toEqual(["begin", "creating", "failed", "reverted"]);
  });

  it("a template that fails to reach a host fails each of its nodes before anything is stopped", async () => {
    const env = setup();
    await deploy(env, A);
    env.hosts.get("h1")?.failing.add(`template ${B}`);
    const { result } = await deploy(env, B);
    expect(result.nodes.map((n) => n.status)).toEqual(["reverted", "reverted", "done"]);
    expect(await running(env)).toEqual({ n1: A, n2: A, n3: B });
  });

  it("when the old slot will not start again the node is failed, and the journal says so for --resume", async () => {
    const env = setup();
    await deploy(env, A);
    env.world.behaviour.set(B, { exits: { [checkOf(B)]: 1 } });
    env.hosts.get("h2")?.failing.add("start 301");
    const { result } = await deploy(env, B, { nodes: ["n3"] });
    expect(result.nodes[0]?.status).toBe("failed");
    expect(result.nodes[0]?.message).toMatch(/reverting failed too: .*start 301 failed.*kiln deploy --resume/);
    expect(events(env, "n3").at(-1)).toBe("failed");
  });

  it("--all-or-nothing: one failed node reverts every node already swapped and skips the rest", async () => {
    const env = setup();
    await deploy(env, A);
    // n1 fails its gate; n2 waits behind it on h1 (parallel = 1); n3 on h2 swaps at the same time.
    env.hosts.get("h1")?.exits.set(`102 ${checkOf(B)}`, 1);
    const { result } = await deploy(env, B, { allOrNothing: true });
    expect(result.ok).toBe(false);
    expect(result.nodes.map((n) => [n.node, n.status])).toEqual([
      ["n1", "reverted"],
      ["n2", "skipped"],
      ["n3", "reverted"],
    ]);
    expect(result.nodes[1]?.message).toMatch(/not started: node n1 failed \(--all-or-nothing\)/);
    expect(await running(env)).toEqual({ n1: A, n2: A, n3: A });
    expect(events(env, "n3").slice(FULL_FIRST.length)).toEqual([...FULL_SWAP, "failed", "reverted"]);
    expect(events(env, "n2")).toEqual(FULL_FIRST);
  });

  it("nothing is touched when the plan cannot be made for one node", async () => {
    const env = setup();
    await deploy(env, A);
    // n3's inactive slot holds a container kiln never made: the plan refuses, and no node is changed.
    env.hosts.get("h2")?.containers.set(302, { running: false, image: undefined as unknown as string, node: "other" });
    const calls = [...env.hosts.values()].map((h) => h.calls.length);
    await expect(deploy(env, B)).rejects.toThrow(/container 302 on host h2 exists but kiln did not create it/);
    expect([...env.hosts.values()].map((h) => h.calls.length)).toEqual(calls);
    expect(await running(env)).toEqual({ n1: A, n2: A, n3: A });
  });

  it("rollback flips back to the previous slot without creating anything", async () => {
    const env = setup();
    await deploy(env, A);
    await deploy(env, B);
    const before = env.hosts.get("h1")?.calls.length ?? 0;
    const { plan, result } = await rollback(env);
    expect(plan.kind).toBe("rollback");
    expect(result.ok).toBe(true);
    expect(await running(env)).toEqual({ n1: A, n2: A, n3: A });
    expect(env.hosts.get("h1")?.calls.slice(before)).toEqual(["stop 102", "start 101", "stop 202", "start 201"]);
    // A second rollback returns to B (the image run before A this time).
    await rollback(env);
    expect(await running(env)).toEqual({ n1: B, n2: B, n3: B });
  });

  it("rollback --to an image no slot holds recreates it from its template", async () => {
    const env = setup();
    await deploy(env, A);
    await deploy(env, B);
    const { result } = await rollback(env, C);
    expect(result.ok).toBe(true);
    expect(await running(env)).toEqual({ n1: C, n2: C, n3: C });
    expect(env.hosts.get("h2")?.calls.slice(-4)).toEqual(["destroy 301", "create 301", "stop 302", "start 301"]);
  });

  it("runs hosts in parallel and at most `parallel` nodes at once on a host", async () => {
    const env = setup(
      `[hosts.h1]\naddress = "local"\ndriver = "lxc"\nparallel = 2\n[hosts.h2]\naddress = "local"\ndriver = "lxc"\nparallel = 1\n` +
        [1, 2, 3, 4, 5, 6]
          .map(
            (i) =>
              `[nodes.n${i}]\nhost = "${i <= 4 ? "h1" : "h2"}"\nslots = [${i}01, ${i}02]\nnetwork = { bridge = "br0", ip = "dhcp", mac = "02:00:00:00:00:0${i}" }\n`,
          )
          .join(""),
    );
    let active = 0;
    const peak = new Map<string, number>();
    let peakAll = 0;
    const perHost = new Map<string, number>();
    for (const [name, h] of env.hosts) {
      const create = h.create.bind(h);
      h.create = async (node, vmid, image) => {
        active++;
        perHost.set(name, (perHost.get(name) ?? 0) + 1);
        peak.set(name, Math.max(peak.get(name) ?? 0, perHost.get(name) ?? 0));
        peakAll = Math.max(peakAll, active);
        await new Promise((r) => setTimeout(r, 15));
        perHost.set(name, (perHost.get(name) ?? 0) - 1);
        active--;
        return create(node, vmid, image);
      };
    }
    const { result } = await deploy(env, A);
    expect(result.ok).toBe(true);
    expect(peak.get("h1")).toBe(2);
    expect(peak.get("h2")).toBe(1);
    expect(peakAll).toBe(3);
  });
});
