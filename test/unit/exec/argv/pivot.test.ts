import { describe, expect, it } from "vitest";
import { DROPPED_CAPS, PIVOT_SCRIPT } from "../../../../src/exec/argv/pivot.js";
import { CHROOT_SCRIPT, chrootArgv } from "../../../../src/exec/sandbox.js";

describe("entering an image root", () => {
  it("passes root, helper and command as arguments after constant scripts", () => {
    const argv = chrootArgv("/r o/ot", ["/bin/echo", "$(id)", "a b"]);
    const at = argv.indexOf(CHROOT_SCRIPT);
    expect(at).toBeGreaterThan(0);
    expect(argv.slice(at + 1, at + 3)).toEqual(["kiln-chroot", "/r o/ot"]);
    expect(argv.slice(at + 4)).toEqual([PIVOT_SCRIPT, "0", "/bin/echo", "$(id)", "a b"]);
    expect(CHROOT_SCRIPT + PIVOT_SCRIPT).not.toContain("$(id)");
  });

  it("pivots and detaches the host root instead of chrooting, then drops the escaping capabilities", () => {
    expect(CHROOT_SCRIPT).not.toMatch(/exec chroot/);
    expect(CHROOT_SCRIPT).toContain('mount --rbind "$root" "$root"');
    expect(PIVOT_SCRIPT).toMatch(/syscall\(NR, b'\.', b'\.'\)[\s\S]*umount2\(b'\.', 2\)[\s\S]*prctl\(24,[\s\S]*execvp/);
    expect(DROPPED_CAPS).toMatchObject({ CAP_SYS_ADMIN: 21, CAP_MKNOD: 27, CAP_DAC_READ_SEARCH: 2, CAP_SYS_MODULE: 16 });
    expect(PIVOT_SCRIPT).toContain(JSON.stringify(Object.values(DROPPED_CAPS)));
  });

  it("passes read-only binds as counted pairs, and refuses a mount point outside the root", () => {
    const argv = chrootArgv("/r", ["true"], { binds: [{ host: "/w/house", mountPoint: "/r/tmp/house" }] });
    expect(argv.slice(argv.indexOf(PIVOT_SCRIPT) + 1)).toEqual(["1", "/w/house", "/r/tmp/house", "true"]);
    expect(() => chrootArgv("/r", ["true"], { binds: [{ host: "/w", mountPoint: "/rx/tmp" }] })).toThrow(/not inside/);
  });

  it("refuses an empty command", () => {
    expect(() => chrootArgv("/r", [])).toThrow(/empty/);
  });
});
