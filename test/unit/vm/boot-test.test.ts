import { afterAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import { askLine, askTimeoutMs, stageFromLog } from "../../../src/vm/boot-test.js";
import { bootChoices } from "../../../src/vm/plan.js";
import { freePort, qemuArgv, qemuValue } from "../../../src/vm/qemu.js";

describe("qemuArgv", () => {
  const argv = qemuArgv({ disk: "/w/over,lay.qcow2", vars: "/w/VARS.fd", serialLog: "/o/serial.log", hostPort: 40000, guestPort: 7147, accel: "tcg" });
  const after = (flag: string) => argv.filter((_, i) => argv[i - 1] === flag);

  it("boots UEFI on q35 with read-only firmware code and a private vars copy", () => {
    expect(after("-machine")).toEqual(["q35"]);
    expect(after("-accel")).toEqual(["tcg"]);
    expect(after("-drive")).toEqual([
      "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
      "if=pflash,format=raw,unit=1,file=/w/VARS.fd",
      "if=none,id=d0,format=qcow2,file=/w/over,,lay.qcow2",
    ]);
  });

  it("cuts the guest off the network except one loopback port forwarded to the simulator", () => {
    expect(after("-netdev")).toEqual(["user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:40000-:7147"]);
    expect(argv).toContain("-nodefaults");
    expect(after("-chardev")).toEqual(["file,id=ser0,path=/o/serial.log"]);
    expect(qemuValue("a,b,,c")).toBe("a,,b,,,,c");
  });

  it("uses virtio disk and NIC by default", () => {
    expect(after("-device")).toEqual(["virtio-blk-pci,drive=d0,bootindex=0", "virtio-net-pci,netdev=n0"]);
  });

  it("boots on the OVA's hardware when asked: the disk on an AHCI controller, an e1000 NIC", () => {
    const ahci = qemuArgv({ disk: "/w/o.qcow2", vars: "/w/VARS.fd", serialLog: "/o/s.log", hostPort: 40000, guestPort: 7147, accel: "tcg", hw: "ahci" });
    const dev = ahci.filter((_, i) => ahci[i - 1] === "-device");
    expect(dev).toEqual(["ahci,id=ahci0", "ide-hd,drive=d0,bus=ahci0.0,bootindex=0", "e1000,netdev=n0"]);
    expect(ahci.join(" ")).not.toMatch(/virtio/);
    expect(ahci.filter((_, i) => ahci[i - 1] === "-drive")).toHaveLength(3); // still OVMF: code, vars, disk
  });

  it("boots SeaBIOS (qemu's default BIOS) with no pflash and no vars when the firmware is bios", () => {
    const bios = qemuArgv({ disk: "/w/o.qcow2", serialLog: "/o/s.log", hostPort: 40000, guestPort: 7147, accel: "tcg", hw: "ahci", firmware: "bios" });
    expect(bios.filter((_, i) => bios[i - 1] === "-drive")).toEqual(["if=none,id=d0,format=qcow2,file=/w/o.qcow2"]);
    expect(bios.join(" ")).not.toMatch(/pflash|OVMF/);
    expect(bios.filter((_, i) => bios[i - 1] === "-netdev")).toEqual(["user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:40000-:7147"]);
    expect(() => qemuArgv({ disk: "/w/o.qcow2", serialLog: "/o/s.log", hostPort: 1, guestPort: 2, accel: "tcg" })).toThrow(/vars/);
  });
});

describe("bootChoices", () => {
  it("defaults to virtio + uefi and takes ahci / bios in any case", () => {
    expect(bootChoices({})).toEqual({ hw: "virtio", firmware: "uefi", problems: [] });
    expect(bootChoices({ bootHw: "AHCI", bootFirmware: "bios" })).toEqual({ hw: "ahci", firmware: "bios", problems: [] });
  });

  it("names the flag, the quoted bad value and the allowed ones", () => {
    const r = bootChoices({ bootHw: "scsi\x1b[2J", bootFirmware: "coreboot" });
    expect(r.problems.map((p) => p.key)).toEqual(["--boot-hw", "--boot-firmware"]);
    expect(r.problems[0]?.message).toBe('unknown value "scsi\\x1b[2J" (allowed: virtio, ahci)');
    expect(r.problems[1]?.message).toBe('unknown value "coreboot" (allowed: uefi, bios)');
  });
});

describe("stageFromLog", () => {
  it("follows the boot through the serial console", () => {
    expect(stageFromLog("")).toBe("started");
    expect(stageFromLog("BdsDxe: loading Boot0001")).toBe("firmware");
    expect(stageFromLog("\r\nSYSLINUX 6.04 20210613 Copyright (C) 1994-2015 H. Peter Anvin et al\r\n")).toBe("firmware");
    expect(stageFromLog("BdsDxe\n[    0.000000] Linux version 6.1.0-28-amd64 (debian-kernel@…)")).toBe("kernel");
    expect(stageFromLog("Linux version 6.1\n[  OK  ] Reached target \x1b[0;1;39mmulti-user.target\x1b[0m - Multi-User System.")).toBe("multi-user");
    expect(stageFromLog("Linux version 6.1\n\r\nDebian GNU/Linux 12 vm ttyS0\r\n\r\nvm login: [   85.1] kvm: Nested")).toBe("multi-user");
  });
});

describe("askLine", () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  /** A loopback server that answers each line with `reply(line)`. */
  async function serve(reply: (line: string) => string): Promise<number> {
    const port = await freePort();
    const srv = createServer((sock) => {
      sock.setEncoding("utf8");
      sock.on("data", (d: string) => sock.write(reply(d.trim())));
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(port, "127.0.0.1", r));
    return port;
  }

  it("returns the reply line, skipping informs", async () => {
    const port = await serve((l) => (l === "?watchdog" ? "#log info x\n!watchdog ok\n" : "!x fail\n"));
    expect(await askLine({ port, request: "?watchdog", timeoutMs: 2000 })).toBe("!watchdog ok");
  });

  it("returns '' when nothing listens or nothing answers in time", async () => {
    expect(await askLine({ port: await freePort(), request: "?watchdog", timeoutMs: 2000 })).toBe("");
    const silent = await serve(() => "");
    expect(await askLine({ port: silent, request: "?watchdog", timeoutMs: 300 })).toBe("");
  });
});

describe("askTimeoutMs", () => {
  it("waits briefly on the first ?watchdog, longer on each retry, and never more than 10 s", () => {
    expect(askTimeoutMs(0)).toBe(1500);
    expect(askTimeoutMs(1)).toBeGreaterThan(askTimeoutMs(0));
    expect(askTimeoutMs(100)).toBe(10_000);
  });
});
