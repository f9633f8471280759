// kiln nightly: the job a timer runs. bake (offline, from the committed lock) → vm (qcow2, VMDK, OVA)
// → boot test → tag <name>-nightly-YYYYMMDD → retention → report (JSON + static HTML).
// Every stage is timed; the first failure stops the job, is named in the report, and its log is kept.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bake, type BakeResult } from "../bake/pipeline.js";
import { KilnError } from "../errors.js";
import { info } from "../log.js";
import type { Recipe } from "../recipe/types.js";
import { diffRefs, hasImage, readManifest, writeTag } from "../store/index.js";
import { canonicalJson } from "../util/canonical-json.js";
import { bootTest, buildVm, type BootFirmware, type BootHw, type BootTestResult, type VmResult } from "../vm/index.js";
import { renderReport } from "./html.js";
import { applyRetention, nightlyTag, nightOf } from "./retention.js";
import type { NightlyReport, NightlyStage } from "./types.js";

export interface NightlyOptions {
  readonly recipe: Recipe;
  readonly requirements?: string;
  readonly store: string;
  readonly cache: string;
  /** Where nights live: <out>/<YYYYMMDD>/{report.json, report.html, vm/, *.log}. */
  readonly out: string;
  /** Nightly tags to keep. */
  readonly keep: number;
  /** The night (default: today, UTC). */
  readonly now?: Date;
  /** Seconds the boot test may take. */
  readonly bootTimeoutSec?: number;
  /** The boot test's hardware and firmware (default virtio + uefi). */
  readonly bootHw?: BootHw;
  readonly bootFirmware?: BootFirmware;
}

/** Runs the nightly job; returns its report (ok=false when a stage failed). */
export async function runNightly(o: NightlyOptions): Promise<NightlyReport> {
  const t0 = performance.now();
  const night = nightOf(o.now ?? new Date());
  const dir = join(o.out, night);
  // A second run in one night replaces that night's results.
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const stages: NightlyStage[] = [];
  let failed: { stage: string; error: string } | undefined;
  // Kept even when the boot test fails, for the report.
  let bootResult: BootTestResult | undefined;

  /** Runs one stage, timing it; a failure is recorded with its message in <stage>.log, and later stages are skipped. */
  const stage = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    if (failed) return undefined;
    const s0 = performance.now();
    info(`nightly › ${name}`);
    try {
      const v = await fn();
      stages.push({ name, ok: true, seconds: secs(s0) });
      return v;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      const log = `${name.replace(/\s+/g, "-")}.log`;
      await writeFile(join(dir, log), `${error}\n${e instanceof KilnError || !(e instanceof Error) ? "" : (e.stack ?? "")}`);
      stages.push({ name, ok: false, seconds: secs(s0), log });
      failed = { stage: name, error };
      return undefined;
    }
  };

  const baked: BakeResult | undefined = await stage("bake", () => bake({ recipe: o.recipe, requirements: o.requirements, store: o.store, cache: o.cache }));
  const vm: VmResult | undefined = await stage("vm", () => buildVm({ store: o.store, ref: (baked as BakeResult).image, formats: ["qcow2", "vmdk", "ova"], out: join(dir, "vm") }));
  const qcow2 = vm?.outputs.find((x) => x.format === "qcow2")?.path;
  await stage("boot test", async () => {
    const r = await bootTest({ qcow2: qcow2 as string, log: join(dir, "boot.log"), timeoutSec: o.bootTimeoutSec, hw: o.bootHw, firmware: o.bootFirmware });
    bootResult = r;
    if (!r.ok) throw new Error(`boot test failed at '${r.stage}' after ${r.seconds}s: ${r.error ?? "?"} (serial log boot.log)`);
    return r;
  });
  const tag = nightlyTag(o.recipe.image.name, night);
  await stage("tag", () => writeTag(o.store, tag, (baked as BakeResult).image));
  const previous = failed ? undefined : await previousNight(o.store, o.out, night);
  const changes = previous && baked ? await stage("diff", () => diffRefs(o.store, previous.image, baked.image)) : undefined;
  const retired = failed ? [] : ((await stage("retention", () => applyRetention({ store: o.store, out: o.out, name: o.recipe.image.name, keep: o.keep }))) ?? []);

  const template = baked ? (await readManifest(o.store, baked.image)).template.size : undefined;
  const report: NightlyReport = {
    reportVersion: 1,
    night,
    recipe: o.recipe.image.name,
    ok: !failed,
    ...(failed ? { failedStage: failed.stage, error: failed.error } : {}),
    ...(baked ? { image: baked.image } : {}),
    ...(!failed ? { tag } : {}),
    sizes: { template, ...Object.fromEntries((vm?.outputs ?? []).map((x) => [x.format, x.size])) },
    stages,
    bakeStages: baked?.stages ?? [],
    totalSeconds: secs(t0),
    ...(previous ? { previous } : {}),
    ...(changes ? { changes: { debs: changes.debs, python: changes.python, checkouts: changes.checkouts, files: { added: changes.files.added.length, removed: changes.files.removed.length, changed: changes.files.changed.length } } } : {}),
    ...(bootResult ? { bootTest: { ok: bootResult.ok, stage: bootResult.stage, seconds: bootResult.seconds, log: "boot.log", accel: bootResult.accel, hw: bootResult.hw, firmware: bootResult.firmware } } : {}),
    retired,
  };
  await writeFile(join(dir, "report.json"), canonicalJson(report));
  const history = (await readHistory(o.out)).slice(-Math.max(o.keep, 7));
  await writeFile(join(dir, "report.html"), renderReport(report, history));
  return report;
}

/** Seconds since `t0`, one decimal. */
function secs(t0: number): number {
  return Math.round((performance.now() - t0) / 100) / 10;
}

/** Every night's report under `out`, oldest first (nights without a readable report are skipped). */
export async function readHistory(out: string): Promise<NightlyReport[]> {
  const nights = (await readdir(out).catch(() => [] as string[])).filter((n) => /^\d{8}$/.test(n)).sort();
  const reports = await Promise.all(nights.map((n) => readFile(join(out, n, "report.json"), "utf8").then((t) => JSON.parse(t) as NightlyReport, () => undefined)));
  return reports.filter((r): r is NightlyReport => r !== undefined);
}

/** The newest successful night before `night` whose image is still in the store (retention may have removed it). */
async function previousNight(store: string, out: string, night: string): Promise<{ readonly night: string; readonly image: string } | undefined> {
  for (const r of (await readHistory(out)).reverse()) {
    if (r.night < night && r.ok && r.image && (await hasImage(store, r.image))) return { night: r.night, image: r.image };
  }
  return undefined;
}
