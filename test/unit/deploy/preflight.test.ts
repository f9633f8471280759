// Deploy preflight: runDeploy asks every host what the plan needs before it changes anything and reports
// all problems at once (fake hosts); the lxc driver's own checks run with real tools on this machine.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDeploy } from "../../../src/deploy/deploy.js";
import { lxcPreflight } from "../../../src/deploy/drivers/lxc-preflight.js";
import type { Connect } from "../../../src/deploy/hosts.js";
import { parseInventory } from "../../../src/inventory/load.js";
import { journalPathFor } from "../../../src/deploy/journal.js";
import { localTransport } from "../../../src/deploy/transport/local.js";
import { UserError } from "../../../src/errors.js";
import { addVariant } from "../store/helpers.js";
import { FakeHost, World } from "./fake-host.js";
import { THREE_NODES } from "./harness.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-preflight-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("runDeploy preflight", () => {
  it("reports every host's problems at once, with node keys, and touches nothing", async () => {
    const store = join(tmp, "store");
    const inventory = join(tmp, "site.toml");
    await writeFile(inventory, THREE_NODES);
    const id = (await addVariant(store, "one")).image.id;
    const world = new World();
    const hosts = new Map([
      ["h1", new FakeHost("h1", world)],
      ["h2", new FakeHost("h2", world)],
    ]);
    for (const h of hosts.values()) h.bridges.clear();
    const connect: Connect = async (_inv, names) => ({ drivers: new Map(names.map((n) => [n, hosts.get(n) as FakeHost])), close: async () => undefined });
    const err = await runDeploy({ mode: "deploy", inventory, store, ref: id }, { connect, log: () => undefined, pollMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).problems.map((p) => p.key)).toEqual(["nodes.n1.network.bridge", "nodes.n2.network.bridge", "nodes.n3.network.bridge"]);
    expect((err as UserError).message).toMatch(/nothing was changed/);
    // Each host was asked once, about its own nodes and the slots the plan builds in.
    expect(hosts.get("h1")?.preflights).toEqual([["n1:101", "n2:201"]]);
    expect(hosts.get("h2")?.preflights).toEqual([["n3:301"]]);
    expect([...hosts.values()].flatMap((h) => h.calls)).toEqual([]);
    expect(world.effects).toBe(0);
    expect(existsSync(journalPathFor(inventory))).toBe(false);
  });
});

describe("lxc driver preflight (real tools)", () => {
  const inv = (storage: string, bridge: string) =>
    parseInventory(
      `[hosts.h]\naddress = "local"\ndriver = "lxc"\nstorage = "${storage}"\n\n` +
        `[nodes.a]\nhost = "h"\nslots = [101, 102]\nnetwork = { bridge = "${bridge}", ip = "dhcp", mac = "02:00:00:00:00:01" }\n\n` +
        `[nodes.b]\nhost = "h"\nslots = [201, 202]\nnetwork = { bridge = "lo", ip = "dhcp", mac = "02:00:00:00:00:02" }\n`,
      "/srv/site.toml",
    );
  const nodesOf = (i: ReturnType<typeof parseInventory>, free: Record<string, number[]>) => i.nodes.map((node) => ({ node, freeSlots: free[node.name] ?? [] }));

  it("a ready host has no problems (kiln's own half-made slot is not foreign)", async () => {
    const lxcpath = join(tmp, "lxc-ok");
    await mkdir(join(lxcpath, "201"), { recursive: true });
    await writeFile(join(lxcpath, "201", ".kiln-creating"), "");
    const i = inv(lxcpath, "lo");
    expect(await lxcPreflight(localTransport(), i.hosts[0]!, nodesOf(i, { a: [101], b: [201] }))).toEqual([]);
  });

  it("names a missing bridge, a missing LXC path and a slot taken by something kiln did not make, all at once", async () => {
    const i = inv(join(tmp, "no-such-lxcpath"), "kilnnobr0");
    const p1 = await lxcPreflight(localTransport(), i.hosts[0]!, nodesOf(i, { a: [101], b: [201] }));
    expect(p1.map((p) => p.key)).toEqual(["hosts.h.storage", "nodes.a.network.bridge"]);
    expect(p1[1]?.message).toMatch(/bridge "kilnnobr0" does not exist on host h/);
    const lxcpath = join(tmp, "lxc-taken");
    await mkdir(join(lxcpath, "102"), { recursive: true });
    const j = inv(lxcpath, "lo");
    const p2 = await lxcPreflight(localTransport(), j.hosts[0]!, nodesOf(j, { a: [102], b: [201] }));
    expect(p2.map((p) => p.key)).toEqual(["nodes.a.slots[1]"]);
    expect(p2[0]?.message).toMatch(/exists but kiln did not make it/);
  });
});
