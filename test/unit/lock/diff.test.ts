// What kiln lock prints: each entry added, removed or moved, and the summary line per outcome.
import { describe, expect, it } from "vitest";
import { renderRelock } from "../../../src/cli/lock.js";
import { diffLocks, formatChanges } from "../../../src/lock/diff.js";
import type { Lock } from "../../../src/lock/types.js";

const h = (c: string) => c.repeat(64);
const old: Lock = {
  lockVersion: 1,
  base: { suite: "bookworm", variant: "minbase", arch: "amd64" },
  sourceDateEpoch: 1,
  recipeSha256: h("0"),
  requirementsSha256: null,
  debs: [
    { name: "libssl3", version: "3.0.11-1~deb12u2", arch: "amd64", sha256: h("a") },
    { name: "netbase", version: "6.4", arch: "all", sha256: h("b") },
    { name: "old-dep", version: "1.0", arch: "amd64", sha256: h("c") },
  ],
  wheels: [{ name: "katcp-lite", version: "0.9.3", file: "katcp_lite-0.9.3-py3-none-any.whl", sha256: h("d") }],
  checkouts: [{ name: "devsim", kind: "git", url: "file:../x.git", revision: "1".repeat(40), sha256: h("e") }],
};

describe("diffLocks", () => {
  it("lists moved, added and removed entries by kind, then name; unchanged ones not at all", () => {
    const next: Lock = {
      ...old,
      debs: [
        { name: "libssl3", version: "3.0.13-1~deb12u1", arch: "amd64", sha256: h("f") },
        { name: "netbase", version: "6.4", arch: "all", sha256: h("b") },
        { name: "new-dep", version: "2.0", arch: "amd64", sha256: h("1") },
        { name: "zlib1g", version: "1:1.2.13", arch: "i386", sha256: h("2") },
      ],
      checkouts: [{ ...old.checkouts[0]!, revision: "2".repeat(40), sha256: h("3") }],
    };
    const changes = diffLocks(old, next);
    expect(changes.map((c) => `${c.kind}:${c.name}`)).toEqual(["deb:libssl3", "deb:new-dep", "deb:old-dep", "deb:zlib1g:i386", "checkout:devsim"]);
    expect(formatChanges(changes)).toEqual([
      "deb libssl3 3.0.11-1~deb12u2 → 3.0.13-1~deb12u1",
      "deb new-dep 2.0 (added)",
      "deb old-dep 1.0 (removed)",
      "deb zlib1g:i386 1:1.2.13 (added)",
      `checkout devsim ${"1".repeat(40)} → ${"2".repeat(40)}`,
    ]);
  });

  it("shows the sha256 when an entry keeps its version but not its bytes", () => {
    const next: Lock = { ...old, debs: [{ ...old.debs[1]!, sha256: h("9") }, old.debs[0]!, old.debs[2]!] };
    expect(formatChanges(diffLocks(old, next))).toEqual([`deb netbase 6.4 (sha256 bbbbbbbbbbbb…) → 6.4 (sha256 999999999999…)`]);
  });

  it("without an old lock, everything is added; identical locks give no change", () => {
    expect(diffLocks(undefined, old).every((c) => c.from === undefined)).toBe(true);
    expect(diffLocks(undefined, old)).toHaveLength(5);
    expect(diffLocks(old, structuredClone(old))).toEqual([]);
  });
});

describe("renderRelock", () => {
  const base = { lock: "recipes/t.lock.json", state: "fresh" as const, debs: 3, wheels: 1, checkouts: 1 };

  it("says a fresh lock was left alone and how to re-resolve", () => {
    expect(renderRelock({ ...base, resolved: false, changed: false, written: false, changes: [] })).toBe(
      "recipes/t.lock.json: fresh (3 debs, 1 wheels, 1 checkouts); kiln lock --update re-resolves against today's sources",
    );
  });

  it("prints the summary, then one indented line per change; --check says nothing was written", () => {
    const changes = [{ kind: "deb" as const, name: "libssl3", from: "1", to: "2" }];
    expect(renderRelock({ ...base, resolved: true, changed: true, written: true, changes })).toBe(
      "wrote recipes/t.lock.json (3 debs, 1 wheels, 1 checkouts)\n  deb libssl3 1 → 2",
    );
    expect(renderRelock({ ...base, resolved: true, changed: true, written: false, changes })).toBe(
      "recipes/t.lock.json would change (--check: nothing written)\n  deb libssl3 1 → 2",
    );
    expect(renderRelock({ ...base, resolved: true, changed: false, written: false, changes: [] })).toBe(
      "unchanged: recipes/t.lock.json (3 debs, 1 wheels, 1 checkouts)",
    );
  });
});

describe("kiln lock --update NAME…", () => {
  it("refuses only version moves of entries not named; additions and removals that follow are accepted", async () => {
    const { unnamedChanges } = await import("../../../src/sources/relock.js");
    const changes = [
      { kind: "deb" as const, name: "openssh-server", from: "1", to: "2" },
      { kind: "deb" as const, name: "libssl3", from: "3.0.11", to: "3.0.13" },
      { kind: "deb" as const, name: "new-dep", to: "1" },
      { kind: "deb" as const, name: "zlib1g:i386", from: "1", to: "2" },
      { kind: "deb" as const, name: "gone", from: "1" },
    ];
    expect(unnamedChanges(changes, ["openssh-server"]).map((c) => c.name)).toEqual(["libssl3", "zlib1g:i386"]);
    expect(unnamedChanges(changes, ["openssh-server", "libssl3", "zlib1g"])).toEqual([]);
  });
});
