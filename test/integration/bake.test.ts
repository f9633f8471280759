// The builder end to end with the real tools (issue 3): kiln lock resolves, fills a cache and writes the
// lock; kiln fetch then downloads nothing more;
// kiln bake builds recipes/cam-node.toml offline from it; a second cold bake from another directory,
// a copied cache, a later clock and another umask gives the same image id; the template passes
// `kiln check` and its venv imports every pinned package; bad input is caught before the bootstrap.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/exec/run.js";
import { runSteps } from "../../src/bake/stages/run-steps.js";
import type { Recipe } from "../../src/recipe/types.js";
import type { Lock } from "../../src/lock/types.js";
import type { Manifest } from "../../src/store/types.js";
import { cliPath, ensureBuilt, kiln, repoRoot } from "../support/kiln.js";
import { mountsUnder, processesWith, tree, until } from "../support/leftovers.js";
import { mountPoints } from "../../src/util/sweep.js";
import { makeProject } from "../support/project.js";

let tmp: string;
let projA: string;
let projB: string;
let first: { image: string; template: string; manifest: string; inputs: string; cached: boolean };

/** The bake's stages in order, as its progress lines name them (`bake › <stage>: ok`). */
const STAGES = ["bootstrap", "pip checkouts", "venv", "pip layer", "checkouts", "files", "services", "run steps", "image info", "normalize", "pack"];

/** One kill point: once stderr matches `ready` (and `delayMs` more), kiln gets SIGKILL; `exact`: it must land in `stage`. */
interface KillPoint {
  readonly stage: string;
  readonly ready: RegExp;
  readonly delayMs: number;
  readonly exact: boolean;
}

/** A kill in the stage, at its start (its previous stage's "ok" line), or in its first command when it runs one. */
function point(stage: string, delayMs = 0, command?: RegExp): KillPoint {
  const prev = STAGES[STAGES.indexOf(stage) - 1];
  const start = prev === undefined ? "" : `bake › ${prev}: ok[\\s\\S]*`;
  return { stage, ready: new RegExp(command ? `${start}^\\+ ${command.source}` : start, "m"), delayMs, exact: command !== undefined || delayMs > 0 };
}

// Every stage is killed (KILN_KILL_STAGES: a comma list kills fewer). The layer cache makes each cheap to
// reach: the bake resumes from projA's layers for the stages before the one it is killed in.
const KILLS: readonly KillPoint[] = [
  // The mini-root launch prints its constant script over several lines before mmdebstrap's own argv.
  point("bootstrap", 3000, /[\s\S]*mmdebstrap/),
  point("pip checkouts"),
  // python -m venv takes seconds; the pip layer's first command (the wheels) well under one.
  point("venv", 1000, /.*unshare/),
  point("pip layer", 200, /.*unshare/),
  point("checkouts"),
  point("files"),
  point("services"),
  point("run steps", 0, /.*unshare/),
  point("image info"),
  point("normalize"),
  point("pack", 500),
];
const DEFAULT_KILLS = STAGES;

/** A kill point in the first stage a resumed bake runs: its start is the end of the layer restore. */
function restartPoint(k: KillPoint): RegExp {
  const command = k.ready.source.match(/\^\\\+ (.*)$/)?.[1];
  return new RegExp(`bake › layer restore: ok[\\s\\S]*${command ? `^\\+ ${command}` : ""}`, "m");
}

/** The layer cache's entries: each directory's hex and the stage its key.json names. */
async function layerEntries(dir: string): Promise<{ readonly hex: string; readonly stage: string }[]> {
  const names = await readdir(dir);
  return Promise.all(names.map(async (hex) => ({ hex, stage: (JSON.parse(await readFile(join(dir, hex, "key.json"), "utf8")) as { stage: string }).stage })));
}

/** The kill points this run takes (KILN_KILL_STAGES: "all" or stage names separated by commas). */
function killStages(): readonly KillPoint[] {
  const want = process.env.KILN_KILL_STAGES;
  const names = want === "all" ? STAGES : want ? want.split(",").map((s) => s.trim()) : DEFAULT_KILLS;
  return KILLS.filter((k) => names.includes(k.stage));
}
const killed: string[] = [];

beforeAll(async () => {
  await ensureBuilt();
  await run(["bash", join(repoRoot, "fixtures/scripts/build-all.sh")], { timeoutMs: 300_000 });
  tmp = await mkdtemp(join(tmpdir(), "kiln-bake-"));
  projA = join(tmp, "a");
  projB = join(tmp, "elsewhere", "b b");
  await makeProject(projA);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("kiln lock / kiln fetch", () => {
  it("kiln fetch without a lock refuses, saying to run kiln lock", async () => {
    const r = await kiln(["fetch"], { cwd: projA });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no lock for recipes\/cam-node\.toml[\s\S]*run kiln lock/);
  });

  it("kiln lock resolves every artifact into the cache and writes a canonical lock", async () => {
    const r = await kiln(["lock", "--json"], { cwd: projA });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { changed: boolean; written: boolean; debs: number; wheels: number; checkouts: number };
    expect(out).toMatchObject({ changed: true, written: true });
    expect(out.wheels).toBe(7);
    expect(out.checkouts).toBe(2);
    const lock = JSON.parse(await readFile(join(projA, "recipes/cam-node.lock.json"), "utf8")) as Lock;
    expect(lock.debs.length).toBe(out.debs);
    expect(lock.debs.map((d) => d.name)).toEqual(expect.arrayContaining(["openssh-server", "python3-venv", "ifupdown", "systemd"]));
    // file: URLs are recorded relative to the recipe, so the lock does not depend on where the project lives.
    expect(lock.checkouts.map((c) => c.url)).toEqual(["file:../fixtures/build/git/devsim.git", "file:../fixtures/build/svn/katpkg/trunk"]);
    expect(lock.checkouts.find((c) => c.kind === "svn")?.revision).toMatch(/^\d+$/);
    expect(lock.checkouts.find((c) => c.kind === "git")?.revision).toMatch(/^[0-9a-f]{40}$/);
  });

  it("kiln fetch with the fresh lock downloads nothing and rewrites nothing", async () => {
    const lockFile = join(projA, "recipes/cam-node.lock.json");
    const before = await stat(lockFile);
    const cacheBefore = await tree(join(projA, "cache/debs"));
    const r = await kiln(["fetch", "--json"], { cwd: projA });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { downloaded: Record<string, number> };
    expect(out.downloaded).toEqual({ debs: 0, wheels: 0, checkouts: 0 });
    expect((await stat(lockFile)).mtimeMs).toBe(before.mtimeMs);
    expect(await tree(join(projA, "cache/debs"))).toEqual(cacheBefore);
  });

  it("refuses pins with a missing transitive dependency, naming the chain, and keeps the lock", async () => {
    const pinned = await readFile(join(repoRoot, "fixtures/python/pinned.txt"), "utf8");
    // Drop katcp-lite, which kat-sensors and kat-logging need.
    const gap = pinned.replace(/^katcp-lite==[^\n]*\n(\s+--hash[^\n]*\n)+/m, "");
    expect(gap).not.toContain("katcp-lite==");
    await writeFile(join(projA, "gap.txt"), gap);
    const lockBefore = await readFile(join(projA, "recipes/cam-node.lock.json"), "utf8");
    const r = await kiln(["lock", "--requirements", "gap.txt"], { cwd: projA });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/needs katcp-lite[^\n]*: not pinned/);
    expect(await readFile(join(projA, "recipes/cam-node.lock.json"), "utf8")).toBe(lockBefore);
  });
});

describe("kiln bake", () => {
  it("with an empty cache names every missing artifact and says to run kiln fetch, writing nothing", async () => {
    const empty = join(tmp, "empty-cache");
    const r = await kiln(["bake", "--cache", empty, "--store", join(tmp, "nostore")], { cwd: projA });
    expect(r.exitCode).toBe(2);
    const lock = JSON.parse(await readFile(join(projA, "recipes/cam-node.lock.json"), "utf8")) as Lock;
    const missing = r.stderr.split("\n").filter((l) => l.includes(": missing from the cache ("));
    expect(missing.length).toBe(lock.debs.length + lock.wheels.length + lock.checkouts.length);
    expect(r.stderr).toContain("run kiln fetch");
    expect(await tree(join(tmp, "nostore"))).toEqual([]);
  });

  it("refuses unpinned requirements with file:line before anything is built", async () => {
    await writeFile(join(projA, "loose.txt"), "kat-proxy>=0.9\nkatcp-lite\n");
    const r = await kiln(["bake", "--requirements", "loose.txt"], { cwd: projA });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/loose\.txt:1: /);
    expect(r.stderr).toMatch(/loose\.txt:2: /);
    expect(await tree(join(projA, "store"))).toEqual([]);
  });

  it("bakes the CAM node offline and returns the stored image at once when nothing changed", async () => {
    const r = await kiln(["bake", "--json"], { cwd: projA });
    expect(r.exitCode, r.stderr).toBe(0);
    first = JSON.parse(r.stdout) as typeof first;
    expect(first.image).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.cached).toBe(false);
    const again = await kiln(["bake", "--json"], { cwd: projA });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ ...first, cached: true });
    // `bake` is `kiln bake`; --requirements with the recipe's own pins is the same bake.
    const viaBin = await run([process.execPath, join(repoRoot, "dist/src/bake-bin.js"), "--requirements", "fixtures/python/pinned.txt", "--json"], {
      cwd: projA,
    });
    expect(JSON.parse(viaBin.stdout)).toEqual({ ...first, cached: true });
  });

  it("killed with SIGKILL in each stage, leaves no process, mount, store or cache entry (the next bake sweeps its temp tree)", async () => {
    await makeProject(projB);
    await cp(join(projA, "recipes/cam-node.lock.json"), join(projB, "recipes/cam-node.lock.json"));
    // The layer cache makes every kill point cheap to reach: before each kill, projB's <cache>/layers holds
    // only projA's entries for the stages before it, so the bake resumes just short of the stage it is killed in.
    await cp(join(projA, "cache"), join(projB, "cache"), { recursive: true, filter: (src) => !src.startsWith(join(projA, "cache/layers")) });
    const entries = await layerEntries(join(projA, "cache/layers"));
    let previousMemoryRoot: string | undefined;
    for (const k of killStages()) {
      const t0 = Date.now();
      const kept = entries.filter((e) => STAGES.indexOf(e.stage) < STAGES.indexOf(k.stage));
      await rm(join(projB, "cache/layers"), { recursive: true, force: true });
      await mkdir(join(projB, "cache/layers"));
      for (const e of kept) await cp(join(projA, "cache/layers", e.hex), join(projB, "cache/layers", e.hex), { recursive: true });
      const layersBefore = await tree(join(projB, "cache/layers"));
      // The first stage this bake runs starts after the restore; the ones before it never print "ok".
      const resumed = kept.length ? Math.max(...kept.map((e) => STAGES.indexOf(e.stage))) + 1 : 0;
      const ready = resumed && STAGES.indexOf(k.stage) === resumed ? restartPoint(k) : k.ready;
      const child = spawn(process.execPath, [cliPath, "bake", "--force", "--verbose"], { cwd: projB, stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      let seenIt: (() => void) | undefined;
      const seen = new Promise<void>((resolve) => (seenIt = resolve));
      child.stderr.on("data", (b: Buffer) => {
        err += b.toString();
        if (ready.test(err)) seenIt?.();
      });
      const exited = new Promise((resolve) => child.on("exit", resolve));
      await Promise.race([seen, exited]);
      await new Promise((r) => setTimeout(r, k.delayMs));
      child.kill("SIGKILL");
      await exited;
      // The stage the kill landed in: the first whose "ok" line is missing (a 10 ms stage may be over first).
      const landed = STAGES.slice(resumed).find((s) => !err.includes(`bake › ${s}: ok`));
      killed.push(`${k.stage}→${landed ?? "done"} ${Math.round((Date.now() - t0) / 1000)}s`);
      expect(STAGES.indexOf(landed as string), `${k.stage}: killed in ${landed}`).toBeGreaterThanOrEqual(STAGES.indexOf(k.stage));
      if (k.exact) expect(landed, k.stage).toBe(k.stage);
      // Nothing of the bake runs on, nothing stays mounted, and the store shows no entry, whole or partial.
      // Its rootfs may be in memory (/dev/shm/kiln-rootfs-<pid>.<start>-…, src/bake/memory-root.ts): the same there.
      const memoryRoot = `/dev/shm/kiln-rootfs-${child.pid}.`;
      const left = async () => [...(await processesWith(projB)), ...(await processesWith(memoryRoot))];
      expect(await until(async () => (await left()).length === 0, 10_000), `${k.stage}: ${await left()}`).toBe(true);
      expect(await mountsUnder(projB), k.stage).toEqual([]);
      expect(
        (await mountPoints()).filter((m) => m.startsWith(memoryRoot)),
        k.stage,
      ).toEqual([]);
      // This run swept the memory rootfs of the run killed before it.
      if (previousMemoryRoot)
        expect(
          (await readdir("/dev/shm")).filter((n) => `/dev/shm/${n}`.startsWith(previousMemoryRoot as string)),
          k.stage,
        ).toEqual([]);
      previousMemoryRoot = memoryRoot;
      expect(await tree(join(projB, "store/images")), k.stage).toEqual([]);
      // This run swept the temp tree of the run killed before it: only its own is left.
      expect((await readdir(join(projB, "cache/tmp"))).filter((n) => n.startsWith(".bake-")).length, k.stage).toBe(1);
      // A layer cache (<cache>/layers) only ever gains whole entries: no temp names in it.
      expect(
        (await tree(join(projB, "cache/layers"))).filter((p) => !layersBefore.includes(p) && /(^|\/)\.|\.(tmp|part)$/.test(p)),
        k.stage,
      ).toEqual([]);
    }
    console.log(`bake kill points (asked→landed, wall): ${killed.join(", ")}`);
  }, 2_400_000);

  it("gives the same image id from another directory, a copied cache, a later clock and umask 077", async () => {
    // projB (made above, with what the killed bakes left behind) has the lock and a copy of the cache.
    // faketime moves kiln's own clock 400 days on; the tools it runs see a later real clock anyway.
    const r = await kiln(["bake", "--no-cache", "--json"], { cwd: projB, wrap: ["faketime", "-f", "+400d", "sh", "-c", 'umask 077; exec "$@"', "sh"] });
    expect(r.exitCode, r.stderr).toBe(0);
    const second = JSON.parse(r.stdout) as typeof first;
    expect(second.cached).toBe(false);
    expect(second.image).toBe(first.image);
    // The manifest is reproducible too, byte for byte.
    expect(await readFile(second.manifest, "utf8")).toBe(await readFile(first.manifest, "utf8"));
    // The killed bakes' temp trees were swept: no stale temp data is left in the cache or the store.
    expect((await tree(join(projB, "cache/tmp"))).filter((p) => !p.includes("/"))).toEqual([]);
    expect(await tree(join(projB, "store/tmp"))).toEqual([]);
  });

  it("makes a template that passes kiln check, with a manifest tracing debs, wheels and checkouts", async () => {
    const c = await kiln(["check", first.image], { cwd: projA });
    expect(c.exitCode, c.stdout + c.stderr).toBe(0);
    const m = JSON.parse(await readFile(first.manifest, "utf8")) as Manifest;
    const lock = JSON.parse(await readFile(join(projA, "recipes/cam-node.lock.json"), "utf8")) as Lock;
    expect(m.debs.map((d) => `${d.name}=${d.version}`).sort()).toEqual(lock.debs.map((d) => `${d.name}=${d.version}`).sort());
    for (const w of lock.wheels) expect(m.python).toContainEqual({ name: w.name, version: w.version });
    expect(m.python.map((p) => p.name)).toContain("katpkg");
    expect(m.checkouts.map((x) => x.revision).sort()).toEqual(lock.checkouts.map((x) => x.revision).sort());
    expect(m.sourceDateEpoch).toBe(lock.sourceDateEpoch);
    expect(m.verify?.commands.length).toBeGreaterThan(0);
  });

  it("boots in a real LXC container to a running systemd, its services up and the simulator answering", async () => {
    // kiln verify: a throwaway container from the template, systemd state, then the recipe's [verify]
    // commands from the manifest (the last one asks the simulator `?watchdog` on 7147).
    const r = await kiln(["verify", first.image, "--json"], { cwd: projA });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: { argv: string[]; ok: boolean }[] };
    expect(out.ok).toBe(true);
    expect(out.checks.map((c) => c.argv.at(-1))).toContain("?watchdog");
    expect(out.checks.every((c) => c.ok)).toBe(true);
  });

  it("unpacks to a tree whose venv imports every pinned package, and whose [[run]] steps cannot reach the network", async () => {
    const dir = join(tmp, "unpacked");
    await mkdir(dir);
    await run(["tar", "--zstd", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-xpf", first.template, "-C", dir]);
    const imports = "import katcp_lite, kat_sensors, kat_config, kat_logging, kat_proxy, kat_ringbuffer, katpkg";
    const r = await run(["chroot", dir, "/opt/kat/venv/bin/python", "-c", `${imports}; print('ok')`]);
    expect(r.stdout.trim()).toBe("ok");
    // No host identity baked in.
    expect((await readdir(join(dir, "etc/ssh"))).filter((n) => n.startsWith("ssh_host_"))).toEqual([]);
    expect(await readFile(join(dir, "etc/machine-id"), "utf8")).toBe("");
    // The [verify] checks travel inside the image, so they are part of its id.
    const m = JSON.parse(await readFile(first.manifest, "utf8")) as Manifest;
    expect(JSON.parse(await readFile(join(dir, "usr/lib/kiln/verify.json"), "utf8"))).toEqual(m.verify);
    // The same stage code bake runs for [[run]]: a step that opens a TCP connection off the machine fails.
    const recipe = {
      run: [{ argv: ["/usr/bin/python3", "-c", "import socket; socket.create_connection(('192.0.2.1', 80), timeout=5)"] }],
    } as unknown as Recipe;
    await expect(runSteps({ recipe, root: dir, epoch: 0 })).rejects.toThrow(/Network is unreachable/);
    const ok = { run: [{ argv: ["/usr/bin/python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()"] }] } as unknown as Recipe;
    await expect(runSteps({ recipe: ok, root: dir, epoch: 0 })).resolves.toBeUndefined();
  });

  it("refuses a corrupt cached artifact before the bootstrap, naming it", async () => {
    const lock = JSON.parse(await readFile(join(projB, "recipes/cam-node.lock.json"), "utf8")) as Lock;
    const w = lock.wheels[0]!;
    const path = join(projB, "cache/wheels", w.sha256, w.file);
    // Replace rather than modify in place: the cached file may be a hard link of the fixture wheel.
    await rm(path);
    await writeFile(path, "not a wheel");
    const r = await kiln(["bake", "--force"], { cwd: projB });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${w.file} (${w.name}==${w.version}): cache entry is corrupt`);
    expect(r.stderr).not.toContain("bootstrap: ok");
  });
});
