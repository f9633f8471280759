import { describe, expect, it } from "vitest";
import { LOOPBACK_UP_SCRIPT, unshareArgv } from "../../../../src/exec/argv/unshare.js";

describe("unshareArgv", () => {
  it("cuts the network off and brings loopback up through a constant script, argv passed as arguments", () => {
    const argv = unshareArgv(["echo", "$(rm -rf /)", "a b"], { setpriv: "/usr/bin/setpriv", unshare: "/usr/bin/unshare", ip: "/usr/sbin/ip", network: false });
    // kill -9 of kiln takes the step down with it (parent-death signal), then the namespaces.
    expect(argv.slice(0, 5)).toEqual(["/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "/usr/bin/unshare"]);
    const dash = argv.indexOf("--", 5);
    expect(argv.slice(5, dash)).toEqual(["--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--mount-proc", "--net"]);
    expect(argv.slice(dash + 1)).toEqual(["/bin/sh", "-c", LOOPBACK_UP_SCRIPT, "kiln-sandbox", "/usr/sbin/ip", "echo", "$(rm -rf /)", "a b"]);
    // The script never contains caller data.
    expect(LOOPBACK_UP_SCRIPT).not.toContain("echo");
  });

  it("keeps the host network when asked (fetch), still in private mount and PID namespaces", () => {
    const argv = unshareArgv(["mmdebstrap", "x"], { setpriv: "setpriv", unshare: "unshare", ip: "ip", network: true });
    expect(argv).not.toContain("--net");
    expect(argv).toContain("--pid");
    expect(argv.slice(argv.indexOf("--", 5) + 1)).toEqual(["mmdebstrap", "x"]);
  });

  it("refuses an empty command", () => {
    expect(() => unshareArgv([], { setpriv: "s", unshare: "u", ip: "i", network: false })).toThrow(/empty/);
  });
});
