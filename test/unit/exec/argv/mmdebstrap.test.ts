import { describe, expect, it } from "vitest";
import { mmdebstrapArgv } from "../../../../src/exec/argv/mmdebstrap.js";
import { dpkgDebControlArgv } from "../../../../src/sources/apt/dpkg-deb-argv.js";

const base = {
  suite: "bookworm",
  target: "/r",
  mirrors: ["/etc/apt/sources.list.d/debian.sources"],
  variant: "minbase",
  arch: "amd64",
  include: [] as string[],
  format: "directory" as const,
};

describe("mmdebstrapArgv", () => {
  it("puts options first and suite, target and mirrors after --", () => {
    const argv = mmdebstrapArgv({
      ...base,
      include: ["ifupdown=0.8.41", "netbase"],
      components: ["main", "contrib"],
      skip: ["essential/unlink", "check/signed-by"],
    });
    expect(argv).toEqual([
      "mmdebstrap",
      "--mode=unshare",
      "--variant=minbase",
      "--architectures=amd64",
      "--format=directory",
      "--components=main,contrib",
      "--include=ifupdown=0.8.41,netbase",
      "--skip=essential/unlink,check/signed-by",
      "--",
      "bookworm",
      "/r",
      "/etc/apt/sources.list.d/debian.sources",
    ]);
  });

  it("orders hooks by stage, keeps each hook one argument, and writes to /dev/null for the null format", () => {
    const argv = mmdebstrapArgv({ ...base, format: "null", hooks: { customize: ["c1", "c 2"], setup: ["s"] }, verbose: true });
    expect(argv.filter((a) => a.includes("-hook="))).toEqual(["--setup-hook=s", "--customize-hook=c1", "--customize-hook=c 2"]);
    expect(argv).toContain("--verbose");
    expect(argv.slice(argv.indexOf("--") + 1)).toEqual(["bookworm", "/dev/null", "/etc/apt/sources.list.d/debian.sources"]);
  });

  it("leaves out --include and --components when empty, and refuses to run without a mirror", () => {
    const argv = mmdebstrapArgv(base);
    expect(argv.some((a) => a.startsWith("--include") || a.startsWith("--components"))).toBe(false);
    expect(() => mmdebstrapArgv({ ...base, mirrors: [] })).toThrow(/no mirror \(without one mmdebstrap silently uses Debian's public default mirror\)/);
  });
});

describe("dpkgDebControlArgv", () => {
  it("ends options before the path", () => {
    expect(dpkgDebControlArgv("-x.deb")).toEqual(["dpkg-deb", "--field", "--", "-x.deb"]);
  });
});
