// Nightly benchmark: the whole `kiln nightly` (Toy-KAT) with a warm artifact cache but a cold image
// store, so the bake really runs; prints the wall time of every stage and of the bake's own stages.
// Target (issue 5): the whole nightly under 3 minutes on a 2-core machine.
//
//   make build && node dist/bench/nightly.js      (needs `kiln fetch --recipe recipes/toy-kat.toml` first: the committed lock's artifacts in the cache)
import { mkdir, rm, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../src/config.js";
import { runNightly } from "../src/nightly/nightly.js";
import { loadRecipe } from "../src/recipe/load.js";
import { stageRows } from "./nightly-rows.js";

const TARGET_S = 180;

/** Runs one nightly into bench/out/nightly and prints its stage times. */
async function main(): Promise<void> {
  const config = loadConfig();
  const out = resolve("bench/out/nightly");
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const before = loadavg()[0] ?? 0;
  const recipe = await loadRecipe(resolve(config.root, "recipes/toy-kat.toml"));
  const r = await runNightly({ recipe, store: join(out, "store"), cache: config.cache, out: join(out, "nights"), keep: 3 });
  for (const line of stageRows(r)) console.log(line);
  console.log(`${"total".padEnd(32)} ${r.totalSeconds.toFixed(1).padStart(7)} s  (target ≤ ${TARGET_S} s: ${r.totalSeconds <= TARGET_S ? "met" : "NOT met"})`);
  console.log(`load average before/after: ${before.toFixed(1)} / ${(loadavg()[0] ?? 0).toFixed(1)} on a 2-core machine`);
  await writeFile(
    join(out, "nightly.json"),
    `${JSON.stringify({ ok: r.ok, totalSeconds: r.totalSeconds, stages: r.stages, bakeStages: r.bakeStages, vmStages: r.vmStages, bootTest: r.bootTest }, null, 2)}\n`,
  );
  if (!r.ok) process.exitCode = 1;
}

await main();
