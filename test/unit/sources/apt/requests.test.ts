import { describe, expect, it } from "vitest";
import { aptRequests, aptSpec, parseMadison, unavailableRequests } from "../../../../src/sources/apt/requests.js";

const MADISON = `  ifupdown |     0.8.41 | http://mirror.example/debian bookworm/main amd64 Packages
  ifupdown |   0.8.40~1 | http://mirror.example/debian bookworm-backports/main amd64 Packages
  ifupdown |     0.8.41 | http://mirror.example/debian bookworm/main Sources
   netbase |        6.4 | http://mirror.example/debian bookworm/main amd64 Packages
`;

describe("apt requests", () => {
  it("takes base.include then [apt] packages, a later request for a name replacing an earlier one", () => {
    const r = aptRequests({
      base: { suite: "s", variant: "minbase", mirror: "host", components: ["main"], include: ["systemd-sysv", "less"] },
      apt: { packages: [{ name: "less", version: "590-2" }, { name: "vim" }] },
    });
    expect(r).toEqual([
      { name: "systemd-sysv", version: undefined, key: "base.include[0]" },
      { name: "less", version: "590-2", key: "apt.packages[0]" },
      { name: "vim", key: "apt.packages[1]" },
    ]);
    expect(r.map(aptSpec)).toEqual(["systemd-sysv", "less=590-2", "vim"]);
  });

  it("reads binary versions from apt-cache madison, ignoring source entries", () => {
    const m = parseMadison(MADISON);
    expect(m.get("ifupdown")).toEqual(["0.8.41", "0.8.40~1"]);
    expect(m.get("netbase")).toEqual(["6.4"]);
    expect(parseMadison("N: Unable to locate package nope\n").size).toBe(0);
  });

  it("reports missing pins with the versions the mirror has, and unknown packages", () => {
    const requests = [
      { name: "ifupdown", version: "9.9", key: "apt.packages[0]" },
      { name: "netbase", version: "6.4", key: "apt.packages[1]" },
      { name: "nope", key: "apt.packages[2]" },
      { name: "ifupdown", key: "base.include[0]" },
    ];
    const p = unavailableRequests({ requests, available: parseMadison(MADISON), mirror: "host" });
    expect(p.map((x) => x.key)).toEqual(["apt.packages[0]", "apt.packages[2]"]);
    expect(p[0]?.message).toContain("has no version 9.9 of ifupdown (it has: 0.8.41, 0.8.40~1)");
    expect(p[0]?.message).toContain("the build host's apt sources");
    expect(p[1]?.message).toContain("'nope' is not available");
    expect(unavailableRequests({ requests: [requests[2]!], available: new Map(), mirror: "http://m/debian" })[0]?.message).toContain("mirror http://m/debian");
  });
});
