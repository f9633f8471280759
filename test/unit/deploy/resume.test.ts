// kill -9 at every step of a deploy (host change or journal line), then `kiln deploy --resume`: every node
// runs a version at every moment except between "stop old" and "start new", and resume always settles it.
import { describe, expect, it } from "vitest";
import { latestRun, settled } from "../../../src/deploy/runs.js";
import { IMG, Killed } from "./fake-host.js";
import { checkOf, deploy, resume, rollback, running, setup, type Env } from "./harness.js";

const { a: A, b: B } = IMG;

/** How many effects a clean `deploy B` over a running A takes (so every kill point is covered). */
async function effectsOfCleanSwap(o: { readonly failGate: boolean }): Promise<number> {
  const env = prepared(o);
  await deployA(env);
  const before = env.world.effects;
  await deploy(env, B);
  return env.world.effects - before;
}

/** Three nodes; B's verify command fails when `failGate`. */
function prepared(o: { readonly failGate: boolean }): Env {
  const env = setup();
  if (o.failGate) env.world.behaviour.set(B, { exits: { [checkOf(B)]: 1 } });
  return env;
}

async function deployA(env: Env): Promise<void> {
  const { result } = await deploy(env, A);
  expect(result.ok).toBe(true);
}

/** A node may run nothing only in the window after "stop old" and before "start new". */
function inStopStartWindow(env: Env, node: string): boolean {
  const n = env.inventory.nodes.find((x) => x.name === node);
  const h = env.hosts.get(n?.host ?? "");
  const mine = (h?.calls ?? []).filter((c) => n?.slots.some((s) => c.endsWith(` ${s}`)));
  return /^stop /.test(mine.at(-1) ?? "");
}

describe.each([
  { failGate: false, end: B },
  { failGate: true, end: A },
])("kill -9 at every step of deploy B (gate fails: $failGate), then --resume", ({ failGate, end }) => {
  it("leaves each node running a version (or in the stop→start window) and resume finishes the job", async () => {
    const total = await effectsOfCleanSwap({ failGate });
    expect(total).toBeGreaterThan(20);
    for (let k = 0; k <= total; k++) {
      const env = prepared({ failGate });
      await deployA(env);
      env.world.killAfter = env.world.effects + k;
      // The process "dies": a kill shows as the journal refusing a line (apply rejects) or, if it struck
      // while reverting, as a node left failed; either way later effects were refused.
      await deploy(env, B).catch((e: unknown) => expect((e as Error).cause, `kill after ${k}`).toBeInstanceOf(Killed));
      expect(env.world.refused > 0, `kill after ${k} of ${total}`).toBe(k < total);
      const now = await running(env);
      for (const [node, image] of Object.entries(now)) {
        if (image === "-") expect(inStopStartWindow(env, node), `kill after ${k}: ${node} runs nothing outside the window`).toBe(true);
        else expect([A, B], `kill after ${k}: ${node}`).toContain(image);
      }
      env.world.revive();
      const { result } = await resume(env);
      const after = await running(env);
      for (const n of env.inventory.nodes) {
        expect([A, B], `kill after ${k}, resumed: ${n.name}`).toContain(after[n.name]);
        const run = latestRun(env.world.journal, n.name);
        if (run) expect(settled(run), `kill after ${k}: ${n.name} settled`).toBe(true);
      }
      if (!failGate)
        expect(
          result.nodes.every((x) => x.status === "done"),
          `kill after ${k}: ${JSON.stringify(result.nodes)}`,
        ).toBe(true);
      // A node the killed deploy had begun ends on B (or back on A when B fails its gate).
      for (const r of result.nodes) expect(after[r.node], `kill after ${k}: ${r.node}`).toBe(end);
      // Resuming again finds nothing; deploying B again brings every node to where a clean run would.
      expect((await resume(env)).plan.nodes).toEqual([]);
      await deploy(env, B);
      expect(Object.values(await running(env)), `kill after ${k}: final`).toEqual([end, end, end]);
    }
  }, 60_000);
});

describe("kill -9 at every step of deploy B, then kiln rollback", () => {
  it("takes every node back to A and settles its run, also where the old slot never stopped", async () => {
    const total = await effectsOfCleanSwap({ failGate: false });
    for (let k = 0; k < total; k++) {
      const env = prepared({ failGate: false });
      await deployA(env);
      env.world.killAfter = env.world.effects + k;
      await deploy(env, B).catch((e: unknown) => expect((e as Error).cause, `kill after ${k}`).toBeInstanceOf(Killed));
      env.world.revive();
      await rollback(env);
      const after = await running(env);
      for (const n of env.inventory.nodes) {
        const run = latestRun(env.world.journal, n.name);
        // `kiln status` tells the operator to run rollback here: after it, nothing may be left unfinished.
        if (run) expect(settled(run), `kill after ${k}: ${n.name} settled`).toBe(true);
        expect([A, B], `kill after ${k}: ${n.name}`).toContain(after[n.name]);
      }
      // And the next deploy is not refused as "unfinished".
      await deploy(env, B);
      expect(Object.values(await running(env)), `kill after ${k}: final`).toEqual([B, B, B]);
    }
  }, 60_000);
});
