// The deployer's commands through the real CLI entry (main): options, exit codes, JSON on stdout.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { JournalWriter, journalPathFor } from "../../../src/deploy/journal.js";
import { main } from "../../../src/main.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-deploy-cli-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs kiln with argv, capturing stdout and stderr. */
async function kiln(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const code = await main(["--store", join(tmp, "store"), ...argv]);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe("kiln deploy/rollback/status/history/verify", () => {
  it("every command has --help", async () => {
    for (const c of ["deploy", "rollback", "status", "history", "verify"]) {
      const r = await kiln(c, "--help");
      expect(r.code, c).toBe(0);
      expect(r.out, c).toMatch(/Usage: kiln/);
    }
    expect((await kiln("deploy", "--help")).out).toMatch(/--all-or-nothing[\s\S]*--resume/);
  });

  it("--inventory is required (exit 2)", async () => {
    expect((await kiln("deploy", "sha256:abc")).code).toBe(2);
    expect((await kiln("status")).code).toBe(2);
  });

  it("a bad inventory is exit 2 with file:line: key: message, before any host is contacted", async () => {
    const r = await kiln("deploy", "rc1", "--inventory", "fixtures/inventories/bad/mac.toml");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/fixtures\/inventories\/bad\/mac\.toml:\d+: nodes\.a\.network\.mac: must be six hex octets/);
  });

  it("REF and --resume exclude each other", async () => {
    const r = await kiln("deploy", "rc1", "--resume", "--inventory", "fixtures/inventories/two-hosts.toml");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume finishes the unfinished deploy/);
    expect((await kiln("deploy", "--inventory", "fixtures/inventories/two-hosts.toml")).err).toMatch(/give the image to deploy/);
  });

  it("history prints the journal newest first, as JSON too", async () => {
    const inv = join(tmp, "lab.toml");
    await writeFile(
      inv,
      '[hosts.h]\naddress = "local"\ndriver = "lxc"\n[nodes.n]\nhost = "h"\nslots = [101, 102]\nnetwork = { bridge = "br0", ip = "dhcp", mac = "02:00:00:00:00:01" }\n',
    );
    expect((await kiln("history", "--inventory", inv)).out).toMatch(/no deploys yet/);
    const w = await JournalWriter.open(journalPathFor(inv));
    const image = `sha256:${"a".repeat(64)}`;
    await w.append({ deploy: "d1", node: "n", event: "begin", image, toSlot: 101 });
    await w.append({ deploy: "d1", node: "n", event: "done", image, toSlot: 101, downtimeMs: 1500 });
    await w.close();
    const r = await kiln("history", "--inventory", inv, "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { entries: { event: string }[] };
    expect(doc.entries.map((e) => e.event)).toEqual(["done", "begin"]);
    const text = (await kiln("history", "--inventory", inv)).out.split("\n");
    expect(text[0]).toMatch(/^TIME\s+DEPLOY\s+NODE\s+EVENT\s+IMAGE\s+SLOTS\s+NOTE$/);
    expect(text[1]).toMatch(/d1\s+n\s+done\s+aaaaaaaaaaaa\s+101\s+downtime 1\.5s$/);
  });

  it("verify of an image the store lacks is exit 2", async () => {
    const r = await kiln("verify", "nosuchtag");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no image matches 'nosuchtag'/);
  });
});
