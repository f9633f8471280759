// `kiln nightly`: the job a timer runs (see contrib/): bake → vm → boot test → tag → retention → report.
import { resolve } from "node:path";
import { loadConfig } from "../config.js";
import { CheckFailed, UserError } from "../errors.js";
import { runNightly } from "../nightly/nightly.js";
import type { NightlyReport, NightlyStage } from "../nightly/types.js";
import { loadRecipe } from "../recipe/load.js";
import { bootChoices } from "../vm/index.js";
import { emit } from "./output.js";

export interface NightlyCliOptions {
  readonly recipe?: string;
  readonly requirements?: string;
  readonly keep: number;
  readonly out?: string;
  readonly bootTimeout?: number;
  readonly force?: boolean;
  readonly bootHw?: string;
  readonly bootFirmware?: string;
  readonly store?: string;
  readonly cache?: string;
  readonly json?: boolean;
}

/** The report for a person: result, stages, where the HTML is. */
function human(r: NightlyReport & { readonly html: string }): string {
  const head = r.ok
    ? `nightly ${r.night}: ok, ${r.image} tagged ${r.tag}${r.reusedFrom ? ` (unchanged since ${r.reusedFrom}: disks and boot result reused)` : ""}`
    : `nightly ${r.night}: FAILED at ${r.failedStage}: ${r.error}`;
  const stage = (s: NightlyStage): string =>
    `  ${s.ok ? "✓" : "✗"} ${s.name} ${s.seconds.toFixed(1)}s${s.reused ? ` (reused ${s.reused})` : ""}${s.log ? ` (log ${s.log})` : ""}`;
  return [head, ...r.stages.map(stage), `report: ${r.html}`].join("\n");
}

/** Runs the nightly job; exit 1 when the build or the boot test failed. */
export async function nightly(o: NightlyCliOptions): Promise<void> {
  const boot = bootChoices(o);
  if (boot.problems.length) throw new UserError(boot.problems, { hint: "nothing was run" });
  const config = loadConfig({ store: o.store, cache: o.cache, requirements: o.requirements });
  // The nightly builds the all-in-one Toy-KAT VM unless told otherwise (not kiln.toml's default recipe).
  const recipe = await loadRecipe(o.recipe ? resolve(o.recipe) : resolve(config.root, "recipes/toy-kat.toml"));
  const out = o.out ? resolve(o.out) : resolve(config.root, ".kiln/nightly");
  const r = await runNightly({
    recipe,
    requirements: config.requirements,
    store: config.store,
    cache: config.cache,
    out,
    keep: o.keep,
    bootTimeoutSec: o.bootTimeout,
    force: o.force,
    bootHw: boot.hw,
    bootFirmware: boot.firmware,
  });
  const html = resolve(out, r.night, "report.html");
  // For a CI job that archives them: every file of the night, absolute.
  const files = Object.fromEntries(Object.entries(r.files ?? {}).map(([k, f]) => [k, resolve(out, r.night, f)]));
  emit(o.json, { ...r, files, html }, human);
  if (!r.ok) throw new CheckFailed(`nightly failed at ${r.failedStage} (report ${html})`);
}
