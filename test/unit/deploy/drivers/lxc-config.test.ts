// Config writers of the lxc driver: the LXC config and the files inside the rootfs, as `pct create` would
// write them for a Debian container.
import { describe, expect, it } from "vitest";
import type { NodeInventory } from "../../../../src/deploy/types.js";
import { InternalError, inStep } from "../../../../src/errors.js";
import {
  extractArgv,
  fstabEscape,
  hostnameText,
  hostsText,
  interfacesText,
  lxcConfigText,
  mountEntry,
  templateNameParts,
  type HostFacts,
} from "../../../../src/deploy/drivers/lxc-config.js";

const node: NodeInventory = {
  name: "cam1",
  host: "h1",
  slots: [1101, 1102],
  hostname: "cam1.site.example",
  cores: 2,
  memory: 1024,
  disk: 8,
  network: { bridge: "vmbr0", ip: "10.0.0.11/24", gateway: "10.0.0.1", mac: "BC:24:11:00:00:01" },
  mounts: [
    { host: "/srv/cam1/data dir", path: "/srv/data/deep", readOnly: false },
    { host: "/srv/cam1/cfg", path: "/etc/cam", readOnly: true },
  ],
};
const v2: HostFacts = { cgroup: "v2", cpus: 8, apparmor: true, include: "/usr/share/lxc/config/debian.common.conf" };

describe("lxc config", () => {
  const text = lxcConfigText({ node, vmid: 1101, rootfs: "/var/lib/lxc/1101/rootfs", arch: "amd64", facts: v2 });
  const lines = text.split("\n");

  it("names, network with the fixed MAC on the bridge, rootfs and the distribution's include", () => {
    expect(lines).toContain("lxc.uts.name = cam1.site.example");
    expect(lines).toContain("lxc.net.0.type = veth");
    expect(lines).toContain("lxc.net.0.link = vmbr0");
    expect(lines).toContain("lxc.net.0.hwaddr = bc:24:11:00:00:01");
    expect(lines).toContain("lxc.rootfs.path = dir:/var/lib/lxc/1101/rootfs");
    expect(lines).toContain("lxc.include = /usr/share/lxc/config/debian.common.conf");
    expect(lines).toContain("lxc.apparmor.profile = generated");
  });

  it("limits memory like Proxmox on cgroup2 and pins cores to a cpuset", () => {
    expect(lines).toContain(`lxc.cgroup2.memory.max = ${1024 * 1024 * 1024}`);
    expect(lines).toContain(`lxc.cgroup2.memory.high = ${1024 * 1024 * 1016}`);
    expect(lines).toContain("lxc.cgroup2.cpuset.cpus = 0-1");
  });

  it("uses v1 keys on a legacy host, no cpuset when cores cover the host, unconfined without AppArmor", () => {
    const v1 = lxcConfigText({ node: { ...node, cores: 8 }, vmid: 1101, rootfs: "/r", arch: "amd64", facts: { ...v2, cgroup: "v1", apparmor: false } });
    expect(v1).toContain(`lxc.cgroup.memory.limit_in_bytes = ${1024 * 1024 * 1024}`);
    expect(v1).not.toMatch(/cgroup2|cpuset/);
    expect(v1).toContain("lxc.apparmor.profile = unconfined");
  });

  it("bind-mounts data dirs, parents first, escaped for fstab, read-only when asked", () => {
    const mounts = lines.filter((l) => l.startsWith("lxc.mount.entry"));
    expect(mounts).toEqual([
      "lxc.mount.entry = /srv/cam1/cfg etc/cam none bind,create=dir,ro 0 0",
      "lxc.mount.entry = /srv/cam1/data\\040dir srv/data/deep none bind,create=dir 0 0",
    ]);
    expect(fstabEscape("a\\b\tc\nd")).toBe("a\\134b\\011c\\012d");
    expect(mountEntry({ host: "/h", path: "/p", readOnly: false })).toBe("lxc.mount.entry = /h p none bind,create=dir 0 0");
  });
});

describe("control characters", () => {
  const config = (n: NodeInventory) => lxcConfigText({ node: n, vmid: 1101, rootfs: "/var/lib/lxc/1101/rootfs", arch: "amd64", facts: v2 });
  const hook = "\nlxc.hook.pre-start = /bin/sh -c id";

  it("the LXC config writer refuses any line with one, whatever the caller checked", () => {
    expect(() => config({ ...node, network: { ...node.network, bridge: `vmbr0${hook}` } })).toThrow(InternalError);
    expect(() => config({ ...node, hostname: "cam1\r" })).toThrow(/control character \\r/);
    expect(() => config({ ...node, name: "cam1\u0085" })).toThrow(InternalError);
    expect(() => lxcConfigText({ node, vmid: 1101, rootfs: `/var/lib/lxc${hook}/1101/rootfs`, arch: "amd64", facts: v2 })).toThrow(InternalError);
    expect(() => lxcConfigText({ node, vmid: 1101, rootfs: "/r", arch: "amd64\u0000", facts: v2 })).toThrow(InternalError);
  });

  it("stays an internal error (a bug in kiln, exit 70) through a driver step, not a tool failure", async () => {
    const step = inStep("create 1101 (cam1)", async () => config({ ...node, hostname: "cam1\n" }));
    await expect(step).rejects.toThrow(InternalError);
    await expect(step).rejects.toThrow(/^create 1101 \(cam1\) › internal: refusing to write the LXC config line "lxc.uts.name = cam1\\n"/);
  });

  it("a mount path is refused before fstab escaping could hide it", () => {
    expect(() => mountEntry({ host: `/srv/a${hook}`, path: "/data", readOnly: false })).toThrow(InternalError);
    expect(() => mountEntry({ host: "/srv/a", path: "/data\t", readOnly: false })).toThrow(InternalError);
  });

  it("the rootfs files refuse them too", () => {
    expect(() => interfacesText({ ...node.network, ip: "10.0.0.11/24\naddress 10.9.9.9" })).toThrow(InternalError);
    expect(() => interfacesText({ ...node.network, gateway: "10.0.0.1\u001b" })).toThrow(InternalError);
    expect(() => hostnameText("cam1\u0000")).toThrow(InternalError);
    expect(() => hostsText(undefined, { hostname: "cam1\n10.6.6.6 evil", ip: "dhcp" })).toThrow(InternalError);
  });
});

describe("files inside the rootfs", () => {
  it("interfaces: static v4 with gateway, static v6, dhcp", () => {
    expect(interfacesText(node.network)).toContain("auto eth0\niface eth0 inet static\n\taddress 10.0.0.11/24\n\tgateway 10.0.0.1\n");
    expect(interfacesText({ ...node.network, ip: "fd00::11/64", gateway: undefined })).toContain("iface eth0 inet6 static\n\taddress fd00::11/64\n");
    expect(interfacesText({ ...node.network, ip: "dhcp" })).toContain("iface eth0 inet dhcp\n");
    expect(interfacesText(node.network)).toContain("auto lo\niface lo inet loopback\n");
  });

  it("hostname is the first label; hosts keeps the template's lines and replaces kiln's section", () => {
    expect(hostnameText("cam1.site.example")).toBe("cam1\n");
    const once = hostsText("127.0.0.1 localhost\n10.9.9.9 db\n", { hostname: "cam1.site.example", ip: "10.0.0.11/24" });
    expect(once).toBe(
      "127.0.0.1 localhost\n10.9.9.9 db\n# --- BEGIN KILN ---\n::1 localhost ip6-localhost ip6-loopback\n10.0.0.11 cam1.site.example cam1\n# --- END KILN ---\n",
    );
    const twice = hostsText(once, { hostname: "cam2", ip: "dhcp" });
    expect(twice.match(/BEGIN KILN/g)).toHaveLength(1);
    expect(twice).toContain("127.0.1.1 cam2\n");
    expect(twice).not.toContain("cam1");
  });
});

describe("template", () => {
  it("unpacks like pct create: numeric owners, caps and user xattrs, no /dev", () => {
    const argv = extractArgv("/t/debian-x_1_amd64.tar.zst", "/r");
    expect(argv.slice(0, 6)).toEqual(["tar", "-x", "-p", "-f", "/t/debian-x_1_amd64.tar.zst", "--zstd"]);
    for (const f of ["--numeric-owner", "--xattrs", "--xattrs-include=security.capability", "--acls"]) expect(argv).toContain(f);
    expect(argv.slice(-5)).toEqual(["-C", "/r", "--anchored", "--exclude", "./dev/*"]);
  });

  it("reads ostype and arch from the Proxmox template name", () => {
    expect(templateNameParts("/s/debian-cam-node_1.0.0-0123456789ab_amd64.tar.zst")).toEqual({ ostype: "debian", arch: "amd64" });
  });
});
