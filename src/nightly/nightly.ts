// kiln nightly: the job a timer runs. bake (offline, from the committed lock) → vm (qcow2, VMDK, OVA; the
// boot test runs on the raw disk while qcow2, VMDK and OVA are converted) → tag <name>-nightly-YYYYMMDD →
// retention → report (JSON + static HTML). An image the last tested night already booted is not built
// or booted again: its disks and result are reused. Every stage is timed; the first failure stops the
// job, is named in the report, and its log is kept.
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { bake, type BakeResult } from "../bake/pipeline.js";
import { KilnError } from "../errors.js";
import { info, secondsSince } from "../log.js";
import type { Recipe } from "../recipe/types.js";
import { diffRefs, hasImage, readManifest, writeTag } from "../store/index.js";
import { canonicalJson } from "../util/canonical-json.js";
import { bootTest, buildVm, VM_JSON, type BootFirmware, type BootHw, type BootTestResult, type VmResult } from "../vm/index.js";
import { readHistory } from "./history.js";
import { renderReport } from "./html.js";
import { applyRetention, nightlyTag, nightOf } from "./retention.js";
import { lastTested, reuseNight } from "./reuse.js";
import type { NightlyReport, NightlyStage } from "./types.js";

export { readHistory } from "./history.js";

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
  /** Build and boot the VM even when the last tested night had the same image. */
  readonly force?: boolean;
  /** The boot test's hardware and firmware (default virtio + uefi). */
  readonly bootHw?: BootHw;
  readonly bootFirmware?: BootFirmware;
}

/** Runs the nightly job; returns its report (ok=false when a stage failed). */
export async function runNightly(o: NightlyOptions): Promise<NightlyReport> {
  const night = nightOf(o.now ?? new Date());
  const dir = join(o.out, night);
  // A second run in one night replaces that night's results; the earlier run is kept aside until the
  // end, so that an unchanged image can still reuse its disks.
  const earlier = join(o.out, `.${night}-earlier-${process.pid}`);
  await rm(earlier, { recursive: true, force: true });
  const hadEarlier = await rename(dir, earlier).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return false;
      throw e;
    },
  );
  await mkdir(dir, { recursive: true });
  try {
    return await job(o, { night, dir, earlier: hadEarlier ? earlier : undefined });
  } finally {
    await rm(earlier, { recursive: true, force: true });
  }
}

/** Stages run in order; the first failure is recorded with its message in <stage>.log and skips the rest. */
function stageRunner(dir: string) {
  const stages: NightlyStage[] = [];
  let failed: { stage: string; error: string } | undefined;
  /** Runs one stage, timing it (or recording `seconds` it took elsewhere, as the overlapped boot test). */
  const stage = async <T>(name: string, fn: () => Promise<T>, o: { readonly seconds?: number; readonly reused?: string } = {}): Promise<T | undefined> => {
    if (failed) return undefined;
    const s0 = performance.now() - (o.seconds ?? 0) * 1000;
    info(`nightly › ${name}`);
    try {
      const v = await fn();
      stages.push({ name, ok: true, seconds: secondsSince(s0), ...(o.reused ? { reused: o.reused } : {}) });
      return v;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      const log = `${name.replace(/\s+/g, "-")}.log`;
      await writeFile(join(dir, log), `${error}\n${e instanceof KilnError || !(e instanceof Error) ? "" : (e.stack ?? "")}`);
      stages.push({ name, ok: false, seconds: secondsSince(s0), log });
      failed = { stage: name, error };
      return undefined;
    }
  };
  return { stage, stages, failed: () => failed };
}

/** What a boot test that ran alongside the conversions came to. */
type Booted = { readonly result?: BootTestResult; readonly seconds: number; readonly error?: unknown };

/** Boots the raw disk (the night's boot test; the qcow2 is a lossless copy of it); never throws: the outcome is recorded as a stage afterwards. */
async function bootAlongside(raw: string, dir: string, o: Pick<NightlyOptions, "bootTimeoutSec" | "bootHw" | "bootFirmware">): Promise<Booted> {
  const b0 = performance.now();
  try {
    const r = await bootTest({ disk: raw, format: "raw", log: join(dir, "boot.log"), timeoutSec: o.bootTimeoutSec, hw: o.bootHw, firmware: o.bootFirmware });
    const error = r.ok ? undefined : new Error(`boot test failed at '${r.stage}' after ${r.seconds}s: ${r.error ?? "?"} (serial log boot.log)`);
    return { result: r, seconds: secondsSince(b0), error };
  } catch (error) {
    return { seconds: secondsSince(b0), error };
  }
}

/** The night's job in its fresh directory. */
async function job(o: NightlyOptions, at: { readonly night: string; readonly dir: string; readonly earlier?: string }): Promise<NightlyReport> {
  const t0 = performance.now();
  const { night, dir } = at;
  const { stage, stages, failed } = stageRunner(dir);

  const baked: BakeResult | undefined = await stage("bake", () => bake({ recipe: o.recipe, requirements: o.requirements, store: o.store, cache: o.cache }));
  const tested =
    baked && !o.force
      ? await lastTested({ out: o.out, night, earlier: at.earlier, image: baked.image, hw: o.bootHw ?? "virtio", firmware: o.bootFirmware ?? "uefi" })
      : undefined;
  let vm: VmResult | undefined;
  let boot: BootTestResult | undefined;
  if (tested) {
    await stage("vm", () => reuseNight(tested, dir), { reused: tested.report.night });
    await stage("boot test", async () => undefined, { reused: tested.report.night });
  } else if (baked) {
    let booted: Booted | undefined;
    vm = await stage("vm", () =>
      buildVm({
        store: o.store,
        ref: baked.image,
        formats: ["qcow2", "vmdk", "ova"],
        out: join(dir, "vm"),
        alongside: async (q) => (booted = await bootAlongside(q, dir, o)),
      }),
    );
    boot = booted?.result;
    const b = booted;
    if (b) await stage("boot test", () => (b.error === undefined ? Promise.resolve() : Promise.reject(b.error)), { seconds: b.seconds });
  }
  const tag = nightlyTag(o.recipe.image.name, night);
  await stage("tag", () => writeTag(o.store, tag, (baked as BakeResult).image));
  const previous = failed() ? undefined : await previousNight(o.store, o.out, night);
  const changes = previous && baked ? await stage("diff", () => diffRefs(o.store, previous.image, baked.image)) : undefined;
  const retired = failed()
    ? []
    : ((await stage("retention", () => applyRetention({ store: o.store, out: o.out, name: o.recipe.image.name, keep: o.keep }))) ?? []);

  const fail = failed();
  const template = baked ? (await readManifest(o.store, baked.image)).template.size : undefined;
  const outputs = vm?.outputs.map((x) => ({ format: x.format, size: x.size, file: relative(dir, x.path) }));
  const files: Record<string, string> = tested
    ? { ...(tested.report.files ?? {}) }
    : {
        ...Object.fromEntries((outputs ?? []).map((x) => [x.format, x.file])),
        ...(vm ? { "vm.json": join("vm", VM_JSON) } : {}),
        ...(boot ? { "boot.log": "boot.log" } : {}),
      };
  files["report.json"] = "report.json";
  files["report.html"] = "report.html";
  const bootTestRecord = tested
    ? tested.report.bootTest
    : boot
      ? { ok: boot.ok, stage: boot.stage, seconds: boot.seconds, log: "boot.log", accel: boot.accel, hw: boot.hw, firmware: boot.firmware }
      : undefined;
  const report: NightlyReport = {
    reportVersion: 1,
    night,
    recipe: o.recipe.image.name,
    ok: !fail,
    ...(fail ? { failedStage: fail.stage, error: fail.error } : {}),
    ...(baked ? { image: baked.image } : {}),
    ...(!fail ? { tag } : {}),
    ...(tested ? { reusedFrom: tested.report.night } : {}),
    sizes: {
      template,
      ...(tested
        ? Object.fromEntries(Object.entries(tested.report.sizes).filter(([k]) => k !== "template"))
        : Object.fromEntries((outputs ?? []).map((x) => [x.format, x.size]))),
    },
    files,
    stages,
    ...(baked?.resumedFrom ? { bakeResumedFrom: baked.resumedFrom } : {}),
    bakeStages: baked?.stages ?? [],
    ...(vm ? { vmStages: Object.entries(vm.timings).map(([name, seconds]) => ({ name, seconds })) } : {}),
    totalSeconds: secondsSince(t0),
    ...(previous ? { previous } : {}),
    ...(changes
      ? {
          changes: {
            debs: changes.debs,
            python: changes.python,
            checkouts: changes.checkouts,
            files: { added: changes.files.added.length, removed: changes.files.removed.length, changed: changes.files.changed.length },
          },
        }
      : {}),
    ...(bootTestRecord ? { bootTest: bootTestRecord } : {}),
    retired,
  };
  await writeFile(join(dir, "report.json"), canonicalJson(report));
  const history = (await readHistory(o.out)).slice(-Math.max(o.keep, 7));
  await writeFile(join(dir, "report.html"), renderReport(report, history));
  return report;
}

/** The newest successful night before `night` whose image is still in the store (retention may have removed it). */
async function previousNight(store: string, out: string, night: string): Promise<{ readonly night: string; readonly image: string } | undefined> {
  for (const r of (await readHistory(out)).reverse()) {
    if (r.night < night && r.ok && r.image && (await hasImage(store, r.image))) return { night: r.night, image: r.image };
  }
  return undefined;
}
