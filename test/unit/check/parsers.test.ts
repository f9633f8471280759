import { describe, expect, it } from "vitest";
import { parseOsRelease, proxmoxOstype } from "../../../src/rootfs/os-release.js";
import { installedPackages } from "../../../src/debian/dpkg-status.js";
import { DPKG_STATUS } from "./minimal-tree.js";

describe("os-release", () => {
  it("parses quoted, unquoted and escaped values and skips comments", () => {
    const os = parseOsRelease('# comment\nNAME="Debian \\"GNU\\"/Linux"\nID=debian\nVERSION_ID=\'12\'\nBROKEN LINE\n');
    expect(os).toEqual({ NAME: 'Debian "GNU"/Linux', ID: "debian", VERSION_ID: "12" });
  });

  it("maps IDs and aliases to Proxmox ostypes", () => {
    expect(proxmoxOstype("debian")).toBe("debian");
    expect(proxmoxOstype("rocky")).toBe("centos");
    expect(proxmoxOstype("almalinux")).toBe("centos");
    expect(proxmoxOstype("arch")).toBe("archlinux");
    expect(proxmoxOstype("opensuse-leap")).toBe("opensuse");
    expect(proxmoxOstype("windows")).toBeUndefined();
    expect(proxmoxOstype("unmanaged")).toBeUndefined();
  });
});

describe("dpkg status", () => {
  it("lists installed packages only, sorted", () => {
    const text = `${DPKG_STATUS}\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: amd64\n`;
    expect(installedPackages(text).map((p) => `${p.name}=${p.version}:${p.arch}`)).toEqual([
      "base-files=12.4+deb12u5:amd64",
      "dash=0.5.12-2:amd64",
      "ifupdown=0.8.41:amd64",
    ]);
  });
});
