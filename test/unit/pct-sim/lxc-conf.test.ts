import { describe, expect, it } from "vitest";
import { simLxcConfig } from "../../pct-sim/lxc-conf.js";

// The simulator writes its own LXC config from the stored pct config (not with kiln's writer).
describe("pct-sim LXC config", () => {
  const conf = {
    arch: "amd64",
    hostname: "web1",
    memory: "256",
    swap: "0",
    net0: "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=10.0.0.5/24,gw=10.0.0.1,type=veth",
    mp1: "/srv/data/a b,mp=/var/lib/app/sub",
    mp0: "/srv/data,mp=/var/lib/app,ro=1",
  };

  it("turns net0, memory, swap and mpN into LXC keys, parents mounted first", () => {
    const text = simLxcConfig("101", conf, "/var/lib/vz/images/101/rootfs");
    const lines = text.split("\n");
    expect(lines).toContain("lxc.uts.name = web1");
    expect(lines).toContain("lxc.rootfs.path = dir:/var/lib/vz/images/101/rootfs");
    expect(lines).toContain("lxc.net.0.link = vmbr0");
    expect(lines).toContain("lxc.net.0.hwaddr = bc:24:11:00:00:01");
    const mounts = lines.filter((l) => l.startsWith("lxc.mount.entry"));
    expect(mounts).toEqual([
      "lxc.mount.entry = /srv/data var/lib/app none bind,create=dir,ro 0 0",
      "lxc.mount.entry = /srv/data/a\\040b var/lib/app/sub none bind,create=dir 0 0",
    ]);
    const swap = lines.find((l) => l.startsWith("lxc.cgroup2.memory.swap.max"));
    if (swap) expect(swap).toBe("lxc.cgroup2.memory.swap.max = 0");
  });

  it("leaves out the network when net0 has no bridge", () => {
    const text = simLxcConfig("102", { ...conf, net0: "name=eth0,ip=dhcp" }, "/r");
    expect(text).not.toMatch(/lxc\.net\./);
  });

  it("refuses a control character in a value", () => {
    expect(() => simLxcConfig("103", { ...conf, hostname: "a\nlxc.hook.pre-start = /x" }, "/r")).toThrow(/control character/);
  });
});
