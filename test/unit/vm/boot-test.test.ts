import { afterAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import { askLine, stageFromLog } from "../../../src/vm/boot-test.js";
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
});

describe("stageFromLog", () => {
  it("follows the boot through the serial console", () => {
    expect(stageFromLog("")).toBe("started");
    expect(stageFromLog("BdsDxe: loading Boot0001")).toBe("firmware");
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
