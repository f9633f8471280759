// kill -9 of `kiln deploy` between each pair of journal events of a swap (issue 8), with the lxc driver on
// this machine (`address = "local"`) and one node. Three images X, Y, Z (the shared systemd rootfs with a
// different /etc/kiln-variant) deployed in turn, so every swap is the whole sequence: begin, (destroy of
// the standby slot) creating, created, stopped-old, started-new, healthy, done. For each event: start a
// deploy, SIGKILL kiln right after that line is on disk, then `kiln deploy --resume` (or `kiln rollback`)
// and check the node runs the old or the new image (never neither), status is settled and no lock or
// kiln process is left. kiln runs under strace, which only holds every fsync 0.3 s on its way out: the
// kill then lands after the line is written and before the next step, every time (no hook in src).
// Needs root, LXC, strace, mmdebstrap and the Debian mirror. Cleans up containers, bridge and temp dir.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/exec/run.js";
import { journalPathFor } from "../../src/deploy/journal.js";
import { packDirectory } from "../../src/store/index.js";
import { cliPath, ensureBuilt, kiln } from "../support/kiln.js";
import { stopContainers, systemdRootfs, testBridge } from "../support/lxc-lab.js";
import { processesWith, until } from "../support/leftovers.js";
import { timings } from "../support/timed.js";

const t = timings();
let tmp: string;
let store: string;
let inv: string;
let bridge: { readonly name: string; readonly prefix: string } | undefined;
const lxcpath = (): string => join(tmp, "lxc");
/** Image id → the variant written in it (what the running container itself says it is). */
const variantOf = new Map<string, string>();
const images: string[] = [];
const SLOTS = [4871, 4872] as const;

interface Entry {
  readonly deploy: string;
  readonly event: string;
  readonly image: string;
}

/** The journal's lines (a torn last line is left out). */
async function journal(): Promise<Entry[]> {
  const text = await readFile(journalPathFor(inv), "utf8").catch(() => "");
  return text.split("\n").flatMap((l) => {
    try {
      return [JSON.parse(l) as Entry];
    } catch {
      return [];
    }
  });
}

/** Runs kiln with the test store and --json; never throws. */
async function kj(args: readonly string[]): Promise<{ code: number; doc: any; err: string }> {
  const r = await kiln([...args, "--inventory", inv, "--store", store, "--json"], { cwd: tmp, env: { TMPDIR: tmp } });
  let doc: unknown;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    doc = undefined;
  }
  return { code: r.exitCode, doc, err: r.stderr };
}

/** What kiln status says about the node. */
async function status(): Promise<{ state: string; slot?: number; image?: string; unfinished?: string; standby?: { image?: string } }> {
  const r = await kj(["status"]);
  expect(r.code, r.err).toBe(0);
  return r.doc.nodes[0];
}

/** The slots LXC itself says are running, and the variant each one's /etc/kiln-variant holds. */
async function running(): Promise<Array<{ slot: number; variant: string }>> {
  const out: Array<{ slot: number; variant: string }> = [];
  for (const slot of SLOTS) {
    const info = await run(["lxc-info", "-n", String(slot), "-P", lxcpath(), "-s", "-H"], { allowFailure: true });
    if (info.stdout.trim() !== "RUNNING") continue;
    const v = await run(["lxc-attach", "-n", String(slot), "-P", lxcpath(), "--", "cat", "/etc/kiln-variant"], { allowFailure: true });
    out.push({ slot, variant: v.stdout.trim() });
  }
  return out;
}

/** The pid of the strace-run kiln: strace's child running kiln (strace forks short-lived probes of its own first). */
async function tracee(strace: ChildProcess): Promise<number> {
  let pid = 0;
  await until(
    async () => {
      const kids = (await readFile(`/proc/${strace.pid}/task/${strace.pid}/children`, "utf8").catch(() => "")).trim().split(" ");
      for (const k of kids.filter((x) => x !== "")) {
        const argv = (await readFile(`/proc/${k}/cmdline`, "utf8").catch(() => "")).split("\0");
        if (argv[0] === process.execPath && argv[1] === cliPath) pid = Number(k);
      }
      return pid > 0;
    },
    10_000,
    5,
  );
  return pid;
}

/** One killed deploy: its journal events at the kill, and whether the kill landed right after `event`. */
interface Killed {
  readonly events: readonly string[];
  readonly landed: boolean;
  readonly err: string;
}

/**
 * Starts `kiln deploy image` under strace (every fsync held 0.3 s after it is done) and SIGKILLs kiln
 * once its journal has `event` for this deploy. `landed` is false when kiln ended first or the kill came late.
 */
async function deployKilledAfter(image: string, event: string, delayMs = 0): Promise<Killed> {
  const before = (await journal()).length;
  const argv = [process.execPath, cliPath, "deploy", image, "--inventory", inv, "--store", store];
  const strace = spawn("strace", ["-f", "-qq", "-b", "execve", "-o", "/dev/null", "-e", "trace=fsync", "-e", "inject=fsync:delay_exit=300000", ...argv], {
    cwd: tmp,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  strace.stderr?.on("data", (b: Buffer) => (err += b.toString()));
  let gone = false;
  const exited = new Promise((resolve) => strace.on("exit", resolve)).then(() => (gone = true));
  const pid = await tracee(strace);
  const mine = async () => (await journal()).slice(before).filter((e) => e.image === image);
  await until(async () => gone || (await mine()).some((e) => e.event === event), 240_000, 20);
  await new Promise((r) => setTimeout(r, delayMs));
  let landed = !gone;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    landed = false; // kiln was gone already (strace can end it when it fails itself)
  }
  await exited;
  const events = (await mine()).map((e) => e.event);
  return { events, landed: landed && events.at(-1) === event, err };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-kill-deploy-"));
  store = join(tmp, "store");
  inv = join(tmp, "site.toml");
  await ensureBuilt();
  const rootfs = join(tmp, "rootfs");
  await t.timed("mmdebstrap", () => systemdRootfs(rootfs));
  for (const v of ["X", "Y", "Z"]) {
    await writeFile(join(rootfs, "etc/kiln-variant"), `${v}\n`);
    const p = await t.timed(`pack ${v}`, () => packDirectory(store, { dir: rootfs, name: "kill-deploy", version: `1.0.${v.charCodeAt(0)}` }));
    images.push(p.manifest.image);
    variantOf.set(p.manifest.image, v);
  }
  await rm(rootfs, { recursive: true, force: true });
  bridge = await testBridge();
  await mkdir(lxcpath(), { recursive: true });
  await writeFile(
    inv,
    [
      "[hosts.h]",
      'address = "local"',
      'driver = "lxc"',
      `storage = "${lxcpath()}"`,
      `state_dir = "${join(tmp, "state")}"`,
      "",
      "[nodes.k]",
      'host = "h"',
      `slots = [${SLOTS.join(", ")}]`,
      'hostname = "kiln-kill"',
      "cores = 1",
      "memory = 256",
      "disk = 2",
      `network = { bridge = "${bridge.name}", ip = "${bridge.prefix}.71/24", gateway = "${bridge.prefix}.1", mac = "02:4b:49:4c:4e:71" }`,
      "",
    ].join("\n"),
  );
}, 900_000);

afterAll(async () => {
  if (tmp) await stopContainers([lxcpath()]);
  if (bridge) await run(["ip", "link", "del", bridge.name], { allowFailure: true });
  if (tmp) await rm(tmp, { recursive: true, force: true });
  console.log(`kill-deploy timings (ms): ${JSON.stringify(t.ms)}`);
}, 300_000);

describe("kill -9 of kiln deploy after each journal event, then --resume or rollback", () => {
  /** The node runs exactly one slot, with `image` (per LXC and the container's own file) and a settled status. */
  async function runsOnly(image: string, why: string): Promise<void> {
    expect(await running(), why).toEqual([{ slot: expect.any(Number), variant: variantOf.get(image) }]);
    const s = await status();
    expect(s, why).toMatchObject({ state: "running", image });
    expect(s.unfinished, why).toBeUndefined();
    expect(existsSync(`${inv}.lock`), `${why}: lock left`).toBe(false);
    // No half-copied template is left on the host (copies go to a temp name first).
    const partial = await run(["find", lxcpath(), join(tmp, "state"), "-maxdepth", "3", "-name", "*kiln-tmp*"]);
    expect(partial.stdout, `${why}: partial template`).toBe("");
  }

  it("deploys the first image", async () => {
    const r = await t.timed("deploy X", () => kj(["deploy", images[0] as string]));
    expect(r.code, r.err).toBe(0);
    await runsOnly(images[0] as string, "first deploy");
  }, 300_000);

  // [event to kill after, how to recover, ms after the line]. A resume carries the swap on; a rollback takes
  // the node back. 1500 ms after `creating` is in the middle of the create (the template being unpacked).
  const POINTS = [
    ["begin", "resume", 0],
    ["creating", "resume", 0],
    ["creating", "resume", 1500],
    ["created", "rollback", 0],
    ["stopped-old", "resume", 0],
    ["started-new", "resume", 0],
    ["started-new", "rollback", 0],
    ["healthy", "resume", 0],
  ] as const;
  let turn = 1;
  for (const [event, recover, delayMs] of POINTS) {
    it(`killed ${delayMs} ms after '${event}', then ${recover === "resume" ? "kiln deploy --resume" : "kiln rollback"}`, async () => {
      let before = await status();
      let next = "";
      // A miss (kiln ended first, strace failed, the kill came late) is settled and tried once more.
      for (let attempt = 1; ; attempt++) {
        // The image that neither slot holds: the swap has to destroy the standby slot and create it anew.
        next = images.find((i) => i !== before.image && i !== before.standby?.image) as string;
        turn++;
        const k = await t.timed(`kill after ${event} (${turn})`, () => deployKilledAfter(next, event, delayMs));
        if (k.landed) break;
        console.log(`kill after '${event}' missed (attempt ${attempt}): ${k.events.join(",")} ${k.err.slice(-600)}`);
        expect(attempt, `kill after '${event}' missed twice: ${k.events.join(",")} ${k.err.slice(-2000)}`).toBeLessThan(2);
        expect((await kj(["deploy", "--resume"])).code).toBe(0);
        before = await status();
      }
      const old = before.image as string;
      // Nothing of kiln runs on (LXC's monitors of the containers are the host's, not kiln's).
      const left = () => processesWith(tmp, (cmd) => cmd.startsWith("[lxc monitor]"));
      expect(await until(async () => (await left()).length === 0, 5_000), (await left()).join("\n")).toBe(true);
      const mid = await status();
      expect(mid.unfinished, "status names the unfinished deploy").toMatch(/run kiln deploy --resume/);
      // Between stop and start the node runs nothing (the one documented window); otherwise old or new.
      if (event !== "stopped-old") expect([old, next]).toContain(mid.image);
      const r = await t.timed(`${recover} after ${event} (${turn})`, () => kj(recover === "resume" ? ["deploy", "--resume"] : ["rollback"]));
      expect(r.code, r.err).toBe(0);
      await runsOnly(recover === "resume" ? next : old, `after '${event}' + ${recover}`);
    }, 400_000);
  }
});
