// pct argv of the proxmox driver, in pct's documented syntax, and the parsers of what pct prints.
import { describe, expect, it } from "vitest";
import { InternalError } from "../../../../src/errors.js";
import type { NodeInventory } from "../../../../src/deploy/types.js";
import {
  decodeDescription,
  kilnDescription,
  mpSpec,
  netSpec,
  parseKilnDescription,
  parsePctConfig,
  parsePctMount,
  parsePctStatus,
  pctCreateArgv,
  pctExecArgv,
  pctFinishArgv,
} from "../../../../src/deploy/drivers/pct-args.js";

const image = `sha256:${"ab".repeat(32)}`;
const node: NodeInventory = {
  name: "cam1",
  host: "pve1",
  slots: [1101, 1102],
  hostname: "cam1",
  cores: 2,
  memory: 2048,
  disk: 8,
  network: { bridge: "vmbr0", ip: "10.0.0.11/24", gateway: "10.0.0.1", mac: "bc:24:11:00:00:01" },
  mounts: [
    { host: "/srv/cam1/data", path: "/srv/data", readOnly: false },
    { host: "/srv/cam1/cfg", path: "/etc/cam", readOnly: true },
  ],
};

describe("pct create argv", () => {
  it("creates a stopped privileged CT with nesting, the node's names, resources, network and a kiln description, but no data mounts", () => {
    expect(pctCreateArgv({ vmid: 1101, volid: "local:vztmpl/debian-cam_1_amd64.tar.zst", node, rootStorage: "local-lvm", image })).toEqual([
      "pct",
      "create",
      "1101",
      "local:vztmpl/debian-cam_1_amd64.tar.zst",
      "--hostname",
      "cam1",
      "--cores",
      "2",
      "--memory",
      "2048",
      "--swap",
      "0",
      "--rootfs",
      "local-lvm:8",
      "--net0",
      "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=10.0.0.11/24,gw=10.0.0.1,type=veth",
      "--unprivileged",
      "0",
      "--features",
      "nesting=1",
      "--onboot",
      "0",
      "--description",
      `kiln-creating=${image} kiln-node=cam1`,
    ]);
  });

  it("adds the data mounts with the final description in one pct set, after create", () => {
    expect(pctFinishArgv({ vmid: 1101, node, image })).toEqual([
      "pct",
      "set",
      "1101",
      "--mp0",
      "/srv/cam1/data,mp=/srv/data,backup=0",
      "--mp1",
      "/srv/cam1/cfg,mp=/etc/cam,ro=1,backup=0",
      "--description",
      `kiln-image=${image} kiln-node=cam1`,
    ]);
  });

  it("clears the environment of pct exec with --keep-env 0, or env -i where pct is older than 5.0.9", () => {
    expect(pctExecArgv(1101, ["true"], true)).toEqual(["pct", "exec", "1101", "--keep-env", "0", "--", "true"]);
    expect(pctExecArgv(1101, ["true"], false)).toEqual([
      "pct",
      "exec",
      "1101",
      "--",
      "env",
      "-i",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "true",
    ]);
  });

  it("uses ip6/gw6 for an IPv6 address and leaves out a missing gateway", () => {
    expect(netSpec({ bridge: "vmbr1", ip: "fd00::11/64", gateway: "fd00::1", mac: "02:00:00:00:00:01" })).toBe(
      "name=eth0,bridge=vmbr1,hwaddr=02:00:00:00:00:01,ip6=fd00::11/64,gw6=fd00::1,type=veth",
    );
    expect(netSpec({ bridge: "vmbr1", ip: "dhcp", mac: "02:00:00:00:00:01" })).toBe("name=eth0,bridge=vmbr1,hwaddr=02:00:00:00:00:01,ip=dhcp,type=veth");
  });

  it("refuses values that would break pct's property strings (a bug: the inventory refuses them)", () => {
    expect(() => mpSpec({ host: "/srv/a,ro=0", path: "/x", readOnly: true })).toThrow(InternalError);
    expect(() => mpSpec({ host: "/srv/a b", path: "/x", readOnly: false })).toThrow(/separators/);
    expect(() => mpSpec({ host: "/srv/a", path: "/x,mp=/etc", readOnly: false })).toThrow(InternalError);
  });

  it("refuses control characters in every value, whatever the caller checked", () => {
    const net = node.network;
    expect(() => mpSpec({ host: "/srv/a\u0000", path: "/x", readOnly: false })).toThrow(InternalError);
    expect(() => mpSpec({ host: "/srv/a", path: "/x\u001b[2J", readOnly: false })).toThrow(InternalError);
    expect(() => netSpec({ ...net, mac: "02:00:00:00:00:01\u0085" })).toThrow(InternalError);
    expect(() => netSpec({ ...net, ip: "dhcp\u007f" })).toThrow(InternalError);
    expect(() => netSpec({ ...net, gateway: "10.0.0.1\u0000" })).toThrow(InternalError);
    const create = (n: NodeInventory) => pctCreateArgv({ vmid: 1101, volid: "local:vztmpl/x.tar.zst", node: n, rootStorage: "local", image });
    expect(() => create({ ...node, hostname: "cam1\nlxc.hook.pre-start: /bin/sh" })).toThrow(/control character \\n/);
    expect(() => create({ ...node, name: "cam1\r" })).toThrow(InternalError);
  });
});

describe("reading pct's output", () => {
  it("finds the image in the description pct config prints (encoded), complete or still being made", () => {
    const conf = parsePctConfig(`arch: amd64\ndescription: kiln-image=sha256%3A${"ab".repeat(32)} kiln-node=cam1\nhostname: cam1\n`);
    expect(conf.get("hostname")).toBe("cam1");
    expect(parseKilnDescription(conf.get("description"))).toEqual({ image, node: "cam1", complete: true });
    expect(parseKilnDescription(kilnDescription({ image, node: "cam1", creating: true }))).toEqual({ image, node: "cam1", complete: false });
    expect(parseKilnDescription("hand-made container")).toBeUndefined();
    expect(decodeDescription("caf%C3%A9%3A")).toBe("café:");
  });

  it("reads status and the mount point", () => {
    expect(parsePctStatus("status: running\n")).toBe("running");
    expect(parsePctStatus("")).toBeUndefined();
    expect(parsePctMount("mounted CT 1101 in '/var/lib/lxc/1101/rootfs'\n")).toBe("/var/lib/lxc/1101/rootfs");
  });
});
