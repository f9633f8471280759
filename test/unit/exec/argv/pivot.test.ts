import { describe, expect, it } from "vitest";
import { DROPPED_CAPS, dropCapsArg, MMDEBSTRAP_CAPS, PIVOT_SCRIPT } from "../../../../src/exec/argv/pivot.js";
import { CHROOT_SCRIPT, chrootArgv, hostEntries, MINIROOT_SCRIPT, miniRootArgv } from "../../../../src/exec/sandbox.js";

const ALL_DROPPED = Object.values(DROPPED_CAPS).join(",");

describe("entering an image root", () => {
  it("passes root, helper and command as arguments after constant scripts", () => {
    const argv = chrootArgv("/r o/ot", ["/bin/echo", "$(id)", "a b"]);
    const at = argv.indexOf(CHROOT_SCRIPT);
    expect(at).toBeGreaterThan(0);
    expect(argv.slice(at + 1, at + 3)).toEqual(["kiln-chroot", "/r o/ot"]);
    expect(argv.slice(at + 4)).toEqual([PIVOT_SCRIPT, ALL_DROPPED, "0", "/bin/echo", "$(id)", "a b"]);
    expect(CHROOT_SCRIPT + PIVOT_SCRIPT).not.toContain("$(id)");
  });

  it("pivots and detaches the host root instead of chrooting, then drops the escaping capabilities", () => {
    expect(CHROOT_SCRIPT).not.toMatch(/exec chroot/);
    expect(CHROOT_SCRIPT).toContain('mount --rbind "$root" "$root"');
    expect(PIVOT_SCRIPT).toMatch(/syscall\(NR, b'\.', b'\.'\)[\s\S]*umount2\(b'\.', 2\)[\s\S]*prctl\(24,[\s\S]*execvp/);
    expect(DROPPED_CAPS).toMatchObject({ CAP_SYS_ADMIN: 21, CAP_MKNOD: 27, CAP_DAC_READ_SEARCH: 2, CAP_SYS_MODULE: 16 });
    expect(PIVOT_SCRIPT).toContain("CAPS = [int(c) for c in sys.argv[2].split(',') if c]");
    expect(PIVOT_SCRIPT).toContain("os.execvp(sys.argv[3], sys.argv[3:])");
  });

  it("passes read-only binds as counted pairs, and refuses a mount point outside the root", () => {
    const argv = chrootArgv("/r", ["true"], { binds: [{ host: "/w/house", mountPoint: "/r/tmp/house" }] });
    expect(argv.slice(argv.indexOf(PIVOT_SCRIPT) + 1)).toEqual([ALL_DROPPED, "1", "/w/house", "/r/tmp/house", "true"]);
    expect(() => chrootArgv("/r", ["true"], { binds: [{ host: "/w", mountPoint: "/rx/tmp" }] })).toThrow(/not inside/);
  });

  it("refuses an empty command", () => {
    expect(() => chrootArgv("/r", [])).toThrow(/empty/);
  });
});

describe("a host tool in a mini-root (the bootstrap's mmdebstrap)", () => {
  it("keeps only the capabilities asked for, and refuses a name it would not drop anyway", () => {
    const kept = dropCapsArg(MMDEBSTRAP_CAPS).split(",").map(Number);
    expect(kept).not.toContain(DROPPED_CAPS.CAP_SYS_ADMIN);
    expect(kept).not.toContain(DROPPED_CAPS.CAP_MKNOD);
    expect(kept).toContain(DROPPED_CAPS.CAP_DAC_READ_SEARCH);
    expect(kept).toHaveLength(Object.keys(DROPPED_CAPS).length - 2);
    expect(() => dropCapsArg(["CAP_CHOWN"])).toThrow(/not among/);
  });

  it("passes mount point, caps, entry pairs up to -- and the command as arguments after constant scripts", () => {
    const entries = [
      { kind: "link", path: "/bin" },
      { kind: "ro", path: "/w/repo $(id)" },
      { kind: "rw", path: "/w/root" },
    ] as const;
    const argv = miniRootArgv(["mmdebstrap", "--", "x"], { mountPoint: "/w/mr", entries, keepCaps: MMDEBSTRAP_CAPS });
    const at = argv.indexOf(MINIROOT_SCRIPT);
    expect(argv.slice(at + 1, at + 3)).toEqual(["kiln-miniroot", "/w/mr"]);
    expect(argv.slice(at + 4)).toEqual([
      PIVOT_SCRIPT,
      dropCapsArg(MMDEBSTRAP_CAPS),
      "",
      "link",
      "/bin",
      "ro",
      "/w/repo $(id)",
      "rw",
      "/w/root",
      "--",
      "mmdebstrap",
      "--",
      "x",
    ]);
    expect(argv).toContain("--net");
    expect(MINIROOT_SCRIPT).not.toContain("$(id)");
  });

  it("builds the root on a fresh tmpfs and binds read-only entries nosuid, nodev", () => {
    expect(MINIROOT_SCRIPT).toMatch(/mount -t tmpfs [^\n]* "\$root"\n/);
    expect(MINIROOT_SCRIPT).toContain('mount --bind -o ro,nosuid,nodev "$p" "$root$p"');
    expect(MINIROOT_SCRIPT).toMatch(/exec unshare --cgroup -- "\$py" -I -S -c "\$pivot" "\$root" "\$caps" "\$@"$/);
  });

  it("enters the devices cgroup it is given before anything else, and passes '' for none", () => {
    const argv = miniRootArgv(["true"], { mountPoint: "/m", entries: [], deviceCgroup: "/sys/fs/cgroup/devices/kiln-dev-1.2-abcdef" });
    expect(argv[argv.indexOf(MINIROOT_SCRIPT) + 6]).toBe("/sys/fs/cgroup/devices/kiln-dev-1.2-abcdef");
    expect(MINIROOT_SCRIPT.split("\n")[2]).toBe('if [ -n "$cg" ]; then echo 0 > "$cg/cgroup.procs"; fi');
  });

  it("refuses relative, unnormalised or root entries", () => {
    for (const path of ["usr", "/", "/a/../etc", "/a//b", "/a/./b", "/a/"])
      expect(() => miniRootArgv(["true"], { mountPoint: "/m", entries: [{ kind: "ro", path }] }), path).toThrow(/normalised/);
    expect(() => miniRootArgv([], { mountPoint: "/m", entries: [] })).toThrow(/empty/);
  });

  it("keeps the host's merged-/usr links as links and binds files read-only; leaves out what is missing", () => {
    const got = hostEntries(["/usr", "/etc/passwd", "/no/such/kiln/path"]);
    expect(got).toEqual([
      { kind: "ro", path: "/usr" },
      { kind: "ro", path: "/etc/passwd" },
    ]);
  });
});
