// Stage lines of a nightly report for the nightly benchmarks: its stages, then the bake's and the vm's own steps.
import type { NightlyReport } from "../src/nightly/types.js";

/** One line per stage (`name   12.3 s`), indented ones for the bake's and vm's steps; the boot test's accelerator. */
export function stageRows(r: NightlyReport): string[] {
  const rows = [
    ...r.stages.map((s) => [`${s.name}${s.reused ? ` (reused ${s.reused})` : ""}`, s.seconds] as const),
    ...r.bakeStages.map((s) => [`  bake › ${s.name}`, s.seconds] as const),
    ...(r.vmStages ?? []).map((s) => [`  vm › ${s.name}`, s.seconds] as const),
  ];
  const lines = rows.map(([name, s]) => `${name.padEnd(32)} ${s.toFixed(1).padStart(7)} s`);
  if (r.bakeResumedFrom) lines.push(`  bake resumed after the layer: ${r.bakeResumedFrom}`);
  const b = r.bootTest;
  const when = r.reusedFrom ? `the result of ${r.reusedFrom}` : "beside the conversions";
  if (b) lines.push(`  boot test: ${b.ok ? "ok" : "FAILED"} in ${b.seconds.toFixed(1)} s, ${b.accel}, ${when}`);
  return lines;
}
