// Skeleton of the deployer's proof with real LXC and real sshd on loopback (issue 4). The core (plan,
// apply, journal, resume) is unit-tested against fake hosts in test/unit/deploy/; these cases need the
// lxc and proxmox drivers, the pct simulator and an sshd helper, and are filled in once all have landed.
// Images: one mmdebstrap rootfs (minbase + systemd + openssh-server) packed three times with a different
// /etc/kiln-variant, so A, B and a candidate whose [verify] fails (C) have different ids.
import { describe, it } from "vitest";

describe("deploy over SSH to two LXC hosts on loopback (4 nodes)", () => {
  it.todo("deploy A: every node created, started and healthy; journal begin…done per node");
  it.todo("deploy B: a swap per node; downtime (stop old → healthy) recorded; A kept stopped in the other slot");
  it.todo("deploy B again: nothing changes, and kiln says so");
  it.todo("rollback: a flip back to A (no create) in seconds");
  it.todo("rollback --to an image no slot holds: recreated from the store");
  it.todo("a candidate whose [verify] fails: the node is reverted, exit 1; --all-or-nothing reverts the others");
  it.todo("data written on a mount survives every swap and rollback");
  it.todo("the SSH host key a client saw stays the same across swaps");
  it.todo("kill -9 of kiln deploy mid-run, then kiln status shows the truth and kiln deploy --resume finishes");
});

describe("the same scenario through the proxmox driver and the pct simulator", () => {
  it.todo("deploy, swap, rollback flip, rollback --to (recreate), failing gate, resume");
});
