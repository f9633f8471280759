// The pure half of the SSH transport: options that pin the host key and share one connection, and the
// known_hosts line made from the inventory's entry.
import { describe, expect, it } from "vitest";
import { InternalError, UserError } from "../../../../src/errors.js";
import { hostOfAddress, knownHostsLine, knownHostsPattern, sshOptions } from "../../../../src/deploy/transport/ssh-args.js";

const files = { knownHosts: "/tmp/x/known_hosts", controlPath: "/tmp/x/cm" };

describe("ssh options", () => {
  it("pin the host key to kiln's own known_hosts file and never prompt", () => {
    const o = sshOptions({ port: 2222, identityFile: "/k/id" }, files).join(" ");
    for (const want of [
      "BatchMode=yes",
      "StrictHostKeyChecking=yes",
      "UserKnownHostsFile=/tmp/x/known_hosts",
      "GlobalKnownHostsFile=/dev/null",
      "ControlMaster=auto",
      "ControlPath=/tmp/x/cm",
      "ControlPersist=60",
    ]) {
      expect(o).toContain(`-o ${want}`);
    }
    expect(o).toContain("-i /k/id -o IdentitiesOnly=yes");
    expect(o).toContain("-p 2222");
  });

  it("leave port and identity to ssh's defaults when the inventory gives none", () => {
    const o = sshOptions({}, files);
    expect(o).not.toContain("-p");
    expect(o).not.toContain("-i");
  });
});

describe("known_hosts line", () => {
  const host = { name: "h1", address: "root@10.0.0.5", port: 2222 };

  it("names the host as [host]:port off port 22 and plainly on 22", () => {
    expect(hostOfAddress("root@10.0.0.5")).toBe("10.0.0.5");
    expect(knownHostsPattern(host)).toBe("[10.0.0.5]:2222");
    expect(knownHostsPattern({ address: "pve1", port: 22 })).toBe("pve1");
  });

  it("adds the pattern to a bare public key and keeps a full line as written", () => {
    expect(knownHostsLine({ ...host, knownHosts: "ssh-ed25519 AAAAC3Nza root@pve" })).toBe("[10.0.0.5]:2222 ssh-ed25519 AAAAC3Nza root@pve\n");
    expect(knownHostsLine({ ...host, knownHosts: "pve1,10.0.0.5 ecdsa-sha2-nistp256 AAAAE2" })).toBe("pve1,10.0.0.5 ecdsa-sha2-nistp256 AAAAE2\n");
  });

  it("refuses a control character inside a line (tabs separate fields)", () => {
    expect(() => knownHostsLine({ ...host, knownHosts: "ssh-ed25519 AAAA\rx" })).toThrow(InternalError);
    expect(() => knownHostsLine({ ...host, knownHosts: "h ssh-ed25519 AAAA \u001b[2Jcomment" })).toThrow(InternalError);
    expect(knownHostsLine({ ...host, knownHosts: "h\tssh-ed25519\tAAAA" })).toBe("h\tssh-ed25519\tAAAA\n");
  });

  it("refuses a host without a pinned key, saying how to get one", () => {
    expect(() => knownHostsLine({ ...host, knownHosts: " " })).toThrow(UserError);
    expect(() => knownHostsLine(host)).toThrow(/ssh-keyscan -p 2222 10\.0\.0\.5/);
  });
});
