// The pct simulator stands in for Proxmox when kiln's proxmox driver is tested, so it must not reuse the
// code under test: it imports nothing from src/, and writes the container's files its own way.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostsText, interfacesText } from "../../pct-sim/debian-setup.js";
import { detectOstype, inRoot } from "../../pct-sim/detect.js";

const SIM = join(import.meta.dirname, "../../pct-sim");

describe("pct-sim's own code", () => {
  const tmp = mkdtemp(join(tmpdir(), "kiln-sim-own-"));
  afterAll(async () => rm(await tmp, { recursive: true, force: true }));

  it("imports nothing from kiln's src/", async () => {
    const files = (await readdir(SIM)).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(await readFile(join(SIM, f), "utf8"), f).not.toMatch(/from "(\.\.\/)+src\//);
  });

  it("writes eth0 as PVE's Debian setup does: static with gateway, dhcp, v6 SLAAC", () => {
    expect(interfacesText({ ip: "10.0.0.5/24", gw: "10.0.0.1" })).toContain("auto eth0\niface eth0 inet static\n\taddress 10.0.0.5/24\n\tgateway 10.0.0.1\n");
    expect(interfacesText({ ip: "dhcp", ip6: "auto" })).toContain("iface eth0 inet dhcp\n\niface eth0 inet6 auto\n");
  });

  it("replaces only its own section of /etc/hosts", () => {
    const once = hostsText("127.0.0.1 localhost\n10.9.9.9 other\n", "n1.example", { ip: "10.0.0.5/24" });
    expect(hostsText(once, "n1.example", { ip: "10.0.0.6/24" })).toBe(
      "127.0.0.1 localhost\n10.9.9.9 other\n# --- BEGIN PVE ---\n10.0.0.6 n1.example n1\n# --- END PVE ---\n",
    );
  });

  it("resolves links inside the root, never out of it", async () => {
    const root = join(await tmp, "root");
    await mkdir(join(root, "etc"), { recursive: true });
    await writeFile(join(root, "etc/debian_version"), "12.0\n");
    await symlink("/../../../etc", join(root, "up"));
    expect(await inRoot(root, "up/debian_version")).toBe(join(root, "etc/debian_version"));
    expect(await detectOstype(root)).toBe("debian");
  });
});
