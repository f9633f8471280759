// The nightly report: what one night's job did, as JSON (report.json) and as a static HTML page.
import type { ImageDiff } from "../store/image-diff.js";

export interface NightlyStage {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  /** Log file of the stage (relative to the night's directory) when it wrote one. */
  readonly log?: string;
  /** The night whose result this stage reused (the image was unchanged), when it did. */
  readonly reused?: string;
}

export interface NightlyReport {
  readonly reportVersion: 1;
  /** YYYYMMDD (UTC) of the night. */
  readonly night: string;
  readonly recipe: string;
  readonly ok: boolean;
  /** The stage that failed, when one did. */
  readonly failedStage?: string;
  readonly error?: string;
  readonly image?: string;
  readonly tag?: string;
  /** The night whose disks and boot result this one reused (same image), when nothing was rebuilt. */
  readonly reusedFrom?: string;
  /** Bytes of the compressed template and of each VM output. */
  readonly sizes: { readonly template?: number; readonly [format: string]: number | undefined };
  /** Every file the night made or reused, by what it is (qcow2, vmdk, ova, vm.json, boot.log, report.json,
   * report.html), relative to the night's directory. */
  readonly files?: Readonly<Record<string, string>>;
  readonly stages: readonly NightlyStage[];
  /** The layer-cache stage the bake resumed after (the stages up to it were skipped), when it did. */
  readonly bakeResumedFrom?: string;
  /** Bake stages, for the per-stage chart. */
  readonly bakeStages: readonly { readonly name: string; readonly seconds: number }[];
  /** The vm stage's own steps (extract, prepare, disk, qcow2, vmdk, ova; the boot test runs beside the conversions), when it ran. */
  readonly vmStages?: readonly { readonly name: string; readonly seconds: number }[];
  readonly totalSeconds: number;
  /** Compared with the previous successful nightly. */
  readonly previous?: { readonly night: string; readonly image: string };
  readonly changes?: Pick<ImageDiff, "debs" | "python" | "checkouts"> & {
    readonly files: { readonly added: number; readonly removed: number; readonly changed: number };
  };
  readonly bootTest?: {
    readonly ok: boolean;
    readonly stage: string;
    readonly seconds: number;
    readonly log: string;
    readonly accel: string;
    readonly hw?: string;
    readonly firmware?: string;
  };
  /** Nightly tags (and their images) removed by retention this night. */
  readonly retired: readonly string[];
}
