// The bake's layer cache end to end (issue 9), lean: one `kiln lock` and one cold bake A; then warm bakes
// B (one pin moved), C (B + one checkout revision), D (C + one [[file]] changed), each resuming after the
// deepest unchanged stage; then D's inputs baked cold (--no-cache) must give D's image id bit for bit.
// The changed locks are written the way `kiln lock` would (wheel and export digests, recipe and
// requirements digests) without re-resolving apt, which would cost a minute each.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changeFile, type LayerProject, moveCheckout, usePinnedNext } from "../../bench/layer-inputs.js";
import { run } from "../../src/exec/run.js";
import { ensureBuilt, kiln, repoRoot } from "../support/kiln.js";
import { makeProject } from "../support/project.js";

let tmp: string;
let p: LayerProject;

interface Baked {
  readonly image: string;
  readonly cached: boolean;
  readonly resumedFrom: string | null;
  readonly seconds: number;
}

/** Bakes in the project (--force: never the stored image) and returns its JSON and wall time. */
async function bake(...args: string[]): Promise<Baked & { readonly stderr: string }> {
  const t0 = Date.now();
  const r = await kiln(["bake", "--force", "--json", ...args], { cwd: p.dir });
  expect(r.exitCode, r.stderr).toBe(0);
  return { ...(JSON.parse(r.stdout) as Baked), seconds: (Date.now() - t0) / 1000, stderr: r.stderr };
}

beforeAll(async () => {
  await ensureBuilt();
  await run(["bash", join(repoRoot, "fixtures/scripts/build-all.sh")], { timeoutMs: 300_000 });
  tmp = await mkdtemp(join(tmpdir(), "kiln-layers-"));
  p = { dir: join(tmp, "p"), requirements: join(tmp, "p/fixtures/python/pinned.txt") };
  await makeProject(p.dir);
  const r = await kiln(["lock"], { cwd: p.dir });
  expect(r.exitCode, r.stderr).toBe(0);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("kiln bake with the layer cache", () => {
  it("resumes after the deepest unchanged stage, and a warm bake equals a cold one bit for bit", async () => {
    const a = await bake();
    expect(a.resumedFrom).toBeNull();
    // bootstrap and venv: the stages after them cost less than a snapshot, so they are redone, not kept.
    expect((await readdir(join(p.dir, "cache/layers"))).length).toBe(2);

    // B: one pin moved (kat-sensors 0.4.0 → 0.4.1): the bootstrap, the pip-built checkouts and the venv are reused.
    await usePinnedNext(p);
    const f = await kiln(["fetch"], { cwd: p.dir });
    expect(f.exitCode, f.stderr).toBe(0);
    const b = await bake("--explain");
    expect(b.resumedFrom).toBe("venv");
    expect(b.stderr).toMatch(/pip layer: wheels\[kat-sensors\]\.version: "0\.4\.0" → "0\.4\.1"/);
    expect(b.image).not.toBe(a.image);

    // C: the git checkout pip does not build moves to `next` (one commit on): the venv is reused, even
    // though the newer commit may raise SOURCE_DATE_EPOCH (the bootstrap and the venv see only the debs'
    // epoch), and --explain names the revision against the bake before.
    await moveCheckout(p, "devsim", "next");
    const c = await bake("--explain");
    expect(c.resumedFrom).toBe("venv");
    expect(c.stderr).toMatch(/checkouts: checkouts\[devsim\]\.revision: /);
    expect(c.stderr).not.toMatch(/wheels\[/);

    // D: one [[file]] changed: the venv is reused.
    await changeFile(p);
    const d = await bake();
    expect(d.resumedFrom).toBe("venv");

    // D's inputs, cold: the same image, bit for bit.
    const cold = await bake("--no-cache");
    expect(cold.resumedFrom).toBeNull();
    expect(cold.image).toBe(d.image);
    const ratio = (x: Baked) => `${((100 * x.seconds) / cold.seconds).toFixed(0)}%`;
    console.log(
      `layer cache: cold ${cold.seconds.toFixed(1)} s (A ${a.seconds.toFixed(1)} s); warm: pin ${ratio(b)}, revision ${ratio(c)}, file ${ratio(d)} of cold`,
    );

    // A bound of 0 (KILN_LAYER_CACHE_MAX=0) lets kiln gc empty the layer cache and say what it freed.
    const gc = await kiln(["gc", "--json"], { cwd: p.dir, env: { KILN_LAYER_CACHE_MAX: "0" } });
    expect(gc.exitCode, gc.stderr).toBe(0);
    const freed = (JSON.parse(gc.stdout) as { layers: { removed: string[]; freedBytes: number } }).layers;
    expect(freed.removed.length).toBeGreaterThanOrEqual(2);
    expect(freed.freedBytes).toBeGreaterThan(0);
    expect(await readdir(join(p.dir, "cache/layers"))).toEqual([]);
  });
});
