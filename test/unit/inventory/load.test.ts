// The inventory loader on good input (values, defaults, paths) and the network helpers it relies on.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inventoryName, loadInventory, parseInventory, selectNodes } from "../../../src/inventory/load.js";
import { HOST_TABLE, MOUNT_TABLE, NETWORK_TABLE, NODE_TABLE, TRUST_TABLE } from "../../../src/inventory/schema.js";
import { gatewayProblem, macProblem, parseAddr, parseCidr } from "../../../src/inventory/net.js";
import { UserError } from "../../../src/errors.js";
import { readFileSync } from "node:fs";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-inventory-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const minimal = `
[hosts.h]
address = "local"
driver = "lxc"

[nodes.n1]
host = "h"
slots = [101, 102]
network = { bridge = "lxcbr0", ip = "dhcp", mac = "02:00:00:00:00:01" }
`;

describe("loadInventory", () => {
  it("reads the two-host example with every value in place", async () => {
    const inv = await loadInventory("fixtures/inventories/two-hosts.toml");
    expect(inv.path).toBe(resolve("fixtures/inventories/two-hosts.toml"));
    expect(inv.hosts.map((h) => h.name)).toEqual(["alpha", "beta"]);
    const alpha = inv.hosts[0];
    expect(alpha).toMatchObject({
      address: "root@127.0.0.1",
      port: 2201,
      driver: "lxc",
      storage: "/var/lib/kiln-lab/alpha/lxc",
      stateDir: "/var/lib/kiln-lab/alpha/state",
      parallel: 2,
    });
    // identity_file is taken relative to the inventory's directory.
    expect(alpha?.identityFile).toBe(resolve("fixtures/inventories/keys/kiln_ed25519"));
    expect(inv.nodes.map((n) => n.name)).toEqual(["cam1", "cam2", "proxy", "monitor"]);
    const proxy = inv.nodes.find((n) => n.name === "proxy");
    expect(proxy).toMatchObject({ host: "beta", slots: [2101, 2102], hostname: "proxy", memory: 256, disk: 2, cores: 1, role: "proxy" });
    expect(proxy?.network).toEqual({ bridge: "kilnbr0", ip: "10.77.0.21/24", gateway: "10.77.0.1", mac: "02:4b:49:00:00:21" });
    expect(proxy?.mounts).toEqual([
      { host: "/var/lib/kiln-lab/data/proxy", path: "/var/lib/kat-proxy", readOnly: false },
      { host: "/var/lib/kiln-lab/config", path: "/etc/kat", readOnly: true },
    ]);
    expect(inventoryName(inv)).toBe("two-hosts");
  });

  it("reads the 15-node bench site", async () => {
    const inv = await loadInventory("fixtures/inventories/bench-15.toml");
    expect(inv.hosts).toHaveLength(3);
    expect(inv.nodes).toHaveLength(15);
    expect(new Set(inv.nodes.flatMap((n) => n.slots)).size).toBe(30);
  });

  it("reads make demo's template once its placeholders are filled as scripts/demo.sh does", () => {
    const text = readFileSync("fixtures/inventories/demo-local.toml.in", "utf8");
    const filled = text.replaceAll("@DIR@", "/work/kiln/.kiln/demo").replaceAll("@BRIDGE@", "kilndemo1a2b").replaceAll("@NET@", "10.213.7");
    expect(filled).not.toMatch(/@[A-Z]+@/);
    const inv = parseInventory(filled, join(tmp, "site.toml"));
    expect(inv.hosts).toMatchObject([
      { name: "local", address: "local", driver: "lxc", storage: "/work/kiln/.kiln/demo/lxc", stateDir: "/work/kiln/.kiln/demo/state" },
    ]);
    expect(inv.nodes.map((n) => [n.name, n.network.bridge, n.network.ip])).toEqual([
      ["cam1", "kilndemo1a2b", "10.213.7.11/24"],
      ["cam2", "kilndemo1a2b", "10.213.7.12/24"],
    ]);
  });

  it("fills defaults: hostname from the name, port 22 over SSH, none locally, storage per driver", () => {
    const inv = parseInventory(`${minimal}\n[hosts.p]\naddress = "kiln@pve1"\ndriver = "proxmox"\n`, join(tmp, "site.toml"));
    expect(inv.hosts[0]).toMatchObject({ port: undefined, storage: "/var/lib/lxc", stateDir: "/var/lib/kiln", parallel: 2 });
    expect(inv.hosts[1]).toMatchObject({ port: 22, storage: "local" });
    expect(inv.nodes[0]).toMatchObject({ hostname: "n1", cores: 1, memory: 512, disk: 4, mounts: [] });
    expect(inv.nodes[0]?.network.gateway).toBeUndefined();
  });

  it("says where a missing file is and what to pass", async () => {
    const err = await loadInventory(join(tmp, "nope.toml")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/no such inventory file.*--inventory/);
  });

  it("selects nodes by name and refuses unknown ones", async () => {
    const path = join(tmp, "sel.toml");
    await writeFile(path, minimal);
    const inv = await loadInventory(path);
    expect(selectNodes(inv, ["n1"]).map((n) => n.name)).toEqual(["n1"]);
    expect(selectNodes(inv).length).toBe(1);
    expect(() => selectNodes(inv, ["n1", "n9"])).toThrow(/no node "n9".*it has n1/);
  });
});

describe("hostile values", () => {
  const big = "a".repeat(400 * 1024);
  const site = (host: string, node: string, mount: string) =>
    `[hosts.h]\naddress = "local"\ndriver = "lxc"\n${host}\n[nodes.n1]\nhost = "h"\nslots = [101, 102]\n${node}\nnetwork = { bridge = "lxcbr0", ip = "dhcp", mac = "02:00:00:00:00:01" }\n[[nodes.n1.mount]]\n${mount}\n`;

  it("keeps messages short for a 400 KB value in any key", () => {
    const text = site(
      `storage = "/${big}"\nidentity_file = "${big}"\nknown_hosts = "h ssh-ed25519 ${big}"`,
      `role = "${big}"\nhostname = "${big}"`,
      `host = "/srv/${big}"\npath = "/${big},x"`,
    );
    const err = (() => {
      try {
        parseInventory(text, join(tmp, "big.toml"));
      } catch (e) {
        return e as UserError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(err?.problems.map((p) => p.key)).toEqual([
      "hosts.h.storage",
      "hosts.h.identity_file",
      "hosts.h.known_hosts",
      "nodes.n1.role",
      "nodes.n1.hostname",
      "nodes.n1.mount[0].host",
      "nodes.n1.mount[0].path",
    ]);
    for (const p of err?.problems ?? []) expect(p.message.length).toBeLessThan(200);
    expect(err?.message).toContain(`(${400 * 1024 + 1} characters)`);
  });

  it("still accepts plain paths and names", () => {
    const inv = parseInventory(
      site(
        'storage = "/var/lib/lxc-2/a_b.c+d@e"\nknown_hosts = "h ssh-ed25519 AAAA\\nh2\\tssh-rsa AAAA"',
        'role = "cam-1.x_y"',
        'host = "/srv/kiln/cam_1.d"\npath = "/data+x@y"',
      ),
      join(tmp, "ok.toml"),
    );
    expect(inv.hosts[0]?.storage).toBe("/var/lib/lxc-2/a_b.c+d@e");
    expect(inv.nodes[0]?.mounts).toEqual([{ host: "/srv/kiln/cam_1.d", path: "/data+x@y", readOnly: false }]);
  });
});

describe("network values", () => {
  it("parses IPv4 and IPv6 (with :: and an IPv4 tail) to the same numbers", () => {
    expect(parseAddr("10.0.0.1")).toEqual({ family: 4, value: 0x0a000001n });
    expect(parseAddr("fd00::1")?.value).toBe(parseAddr("fd00:0:0:0:0:0:0:1")?.value);
    expect(parseAddr("::ffff:10.0.0.1")?.value).toBe(0xffff0a000001n);
    expect(parseAddr("10.0.0.256")).toBeUndefined();
    expect(parseAddr("fe80::1%eth0")).toBeUndefined();
  });

  it("checks a gateway against the subnet, for both families", () => {
    const v4 = parseCidr("192.168.7.20/22");
    const v6 = parseCidr("fd00:4b:0:1::20/64");
    if (typeof v4 === "string" || typeof v6 === "string") throw new Error("bad test CIDR");
    expect(gatewayProblem("192.168.4.1", v4)).toBeUndefined();
    expect(gatewayProblem("192.168.8.1", v4)).toMatch(/not inside the node's subnet 192\.168\.4\.0\/22/);
    expect(gatewayProblem("fd00:4b:0:1::1", v6)).toBeUndefined();
    expect(gatewayProblem("fd00:4b:0:2::1", v6)).toMatch(/fd00:4b:0:1::\/64/);
    expect(parseCidr("fd00::1/129")).toMatch(/out of range for IPv6/);
  });

  it("accepts unicast MACs of either case and refuses multicast", () => {
    expect(macProblem("BC:24:11:AB:CD:EF")).toBeUndefined();
    expect(macProblem("02:4b:49:00:00:01")).toBeUndefined();
    expect(macProblem("33:33:00:00:00:01")).toMatch(/multicast/);
  });
});

describe("[trust]", () => {
  it("resolves allowed_signers from the inventory's directory and keeps every principal", () => {
    const inv = parseInventory(
      `${minimal}\n[trust]\nallowed_signers = "keys/allowed_signers"\nprincipals = ["ci", "release@example.org"]\n`,
      "/srv/site/site.toml",
    );
    expect(inv.trust).toEqual({ allowedSigners: "/srv/site/keys/allowed_signers", principals: ["ci", "release@example.org"], requireProvenance: false });
    const strict = parseInventory(`${minimal}\n[trust]\nallowed_signers = "a"\nprincipals = ["ci"]\nrequire_provenance = true\n`, "/srv/site/site.toml");
    expect(strict.trust?.requireProvenance).toBe(true);
    expect(parseInventory(minimal, "/srv/site/site.toml").trust).toBeUndefined();
  });

  it("requires both keys and at least one principal", () => {
    expect(() => parseInventory(`${minimal}\n[trust]\nprincipals = []\n`, "/srv/site.toml")).toThrow(
      /trust\.allowed_signers: is required[\s\S]*trust\.principals: must be a non-empty list/,
    );
  });
});

describe("docs/inventory.md", () => {
  it("documents every key of the schema", () => {
    const doc = readFileSync("docs/inventory.md", "utf8");
    for (const t of [HOST_TABLE, NODE_TABLE, NETWORK_TABLE, MOUNT_TABLE, TRUST_TABLE]) {
      expect(doc).toContain(t.header);
      for (const f of t.fields) expect(doc, `${t.header} ${f.key}`).toContain(`\`${f.key}\``);
    }
  });
});
