// `kiln vm`: a stored image → a bootable UEFI disk (raw, qcow2, streamOptimized VMDK, OVA), without loop
// devices or mounts. Reads as its table of contents; each stage lives in its own file.
import { link, mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { ToolError, inStep } from "../errors.js";
import { step, timed } from "../log.js";
import { canonicalJson } from "../util/canonical-json.js";
import { tempDirIn, writeFileAtomic } from "../util/fs.js";
import { sha256File } from "../util/hash.js";
import { bootTest } from "./boot-test.js";
import { toQcow2, toVmdk } from "./convert.js";
import { makeDisk } from "./disk.js";
import { kernelOptions } from "./esp.js";
import { SECTOR } from "./geometry.js";
import { makeOva } from "./ova.js";
import { planVm } from "./plan.js";
import { REPRODUCIBILITY } from "./reproducible.js";
import { checkVmTools, toolVersions } from "./tools.js";
import { addVmPieces, clampMtimes, extractTemplate } from "./tree.js";
import type { BootTestResult, VmFormat, VmOptions, VmOutput, VmPlan, VmResult } from "./types.js";

/** The record kept beside the outputs. */
export const VM_JSON = "vm.json";
export const BOOT_JSON = "boot-test.json";

/** Runs one reported stage and records its wall time (seconds, one decimal) under `name`. */
function timedStage<T>(timings: Record<string, number>, name: string, fn: () => Promise<T>): Promise<T> {
  return timed(
    () => step(`vm › ${name}`, () => inStep(name, fn)),
    (seconds) => (timings[name] = seconds),
  );
}

/**
 * Builds every requested format from the raw disk in `staging` and describes each as soon as it is
 * made; returns format → output (in format order, under the path it is published to). `alongside` (the
 * nightly's boot test) starts on the raw disk at once, through a hard link that publishing does not
 * move, and runs while qcow2, VMDK and OVA are made and hashed (niced conversions, measured, made the
 * night slower: on a shared machine they starve and the VMDK becomes the longest path).
 */
async function convert(
  plan: VmPlan,
  raw: string,
  timings: Record<string, number>,
  alongside?: (disk: string) => Promise<unknown>,
): Promise<Map<VmFormat, VmOutput>> {
  const outputs = new Map<VmFormat, VmOutput>();
  const made = async (format: VmFormat, file: string) => outputs.set(format, await describe(format, file, plan.out));
  const dir = dirname(raw);
  let side: Promise<unknown> = Promise.resolve();
  if (alongside) {
    const pinned = join(dir, "alongside.raw");
    await link(raw, pinned);
    side = alongside(pinned);
    side.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
  }
  try {
    if (plan.formats.includes("raw")) await made("raw", raw);
    if (plan.formats.includes("qcow2")) {
      const qcow2 = join(dir, `${plan.stem}.qcow2`);
      await timedStage(timings, "qcow2", () => toQcow2(raw, qcow2));
      await made("qcow2", qcow2);
    }
    if (plan.formats.includes("vmdk") || plan.formats.includes("ova")) {
      const vmdk = join(dir, `${plan.stem}.vmdk`);
      await timedStage(timings, "vmdk", () => toVmdk(raw, vmdk, plan.ids.vmdkCid));
      if (plan.formats.includes("vmdk")) await made("vmdk", vmdk);
      if (plan.formats.includes("ova")) await made("ova", await timedStage(timings, "ova", () => makeOva(plan, vmdk)));
    }
  } finally {
    await side.catch(() => undefined);
  }
  await side;
  return outputs;
}

/** Size, digest and reproducibility of an output in staging, with the path it is published to. */
async function describe(format: VmFormat, file: string, out: string): Promise<VmOutput> {
  return { format, path: join(out, basename(file)), size: (await stat(file)).size, sha256: await sha256File(file), ...REPRODUCIBILITY[format] };
}

/** vm.json: reproducible itself (file names, not paths; no timings), so two builds of one image give the same record. */
function record(plan: VmPlan, outputs: readonly VmOutput[], tools: Readonly<Record<string, string>>): string {
  return canonicalJson({
    image: plan.imageId,
    name: plan.name,
    version: plan.version,
    kernel: plan.boot.release,
    cmdline: kernelOptions(plan.ids.rootPartUuid),
    cpus: plan.cpus,
    memoryMiB: plan.memoryMiB,
    disk: { bytes: plan.layout.totalSectors * SECTOR, layout: plan.layout, ids: plan.ids },
    outputs: outputs.map(({ path, ...o }) => ({ ...o, file: basename(path) })),
    tools,
  });
}

/** Moves the finished files from the staging directory into the output directory (each rename is atomic). */
async function publish(staging: string, outputs: readonly VmOutput[]): Promise<void> {
  for (const o of outputs) await rename(join(staging, basename(o.path)), o.path);
}

/** Makes the disk and its formats; runs the boot test when asked. Bad input fails before anything is written. */
export async function buildVm(o: VmOptions): Promise<VmResult> {
  const plan = await planVm(o);
  checkVmTools(plan.formats, plan.bootTest !== undefined);
  const timings: Record<string, number> = {};
  const work = await mkdtemp(join(tmpdir(), "kiln-vm-"));
  let staging: string | undefined;
  try {
    const tree = join(work, "tree");
    await mkdir(tree);
    await timedStage(timings, "extract", () => extractTemplate(plan.template, tree));
    await timedStage(timings, "prepare", async () => {
      await addVmPieces(plan, tree);
      await clampMtimes(tree, plan.sourceDateEpoch);
    });
    // Staged inside the output directory, so publishing is a rename on one file system.
    staging = await tempDirIn(plan.out, "kiln-vm");
    const raw = join(staging, `${plan.stem}.raw`);
    await timedStage(timings, "disk", () => makeDisk({ plan, disk: raw, tree, work }));
    await rm(tree, { recursive: true, force: true });
    // The tools' versions are read while the disk is converted.
    const tools = toolVersions();
    tools.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    const outputs = [...(await convert(plan, raw, timings, o.alongside)).values()];
    await publish(staging, outputs);
    await writeFileAtomic(join(plan.out, VM_JSON), record(plan, outputs, await tools));
    const result: VmResult = { image: plan.imageId, out: plan.out, diskBytes: plan.layout.totalSectors * SECTOR, outputs, timings };
    if (!plan.bootTest) return result;
    const qcow2 = outputs.find((x) => x.format === "qcow2")?.path;
    if (!qcow2) throw new ToolError("the boot test runs the qcow2 disk, which this build did not write: add qcow2 to --formats");
    const boot = await timedStage(timings, "boot-test", () => runBootTest(plan, qcow2));
    return { ...result, timings, bootTest: boot };
  } finally {
    await rm(work, { recursive: true, force: true });
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

/** Boots the published qcow2; the serial log and boot-test.json stay in the output directory. */
async function runBootTest(plan: VmPlan, qcow2: string): Promise<BootTestResult> {
  const r = await bootTest({
    disk: qcow2,
    log: join(plan.out, `${plan.stem}.boot.log`),
    guestPort: plan.bootTest?.guestPort,
    timeoutSec: plan.bootTest?.timeoutSec,
    hw: plan.bootTest?.hw,
    firmware: plan.bootTest?.firmware,
  });
  await writeFileAtomic(join(plan.out, BOOT_JSON), `${JSON.stringify(r, null, 2)}\n`);
  return r;
}
