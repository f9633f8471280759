// A vitest reporter that prints the ten slowest test files at the end of a run, so the cost of the
// suite stays visible (CI's budget is 90 minutes; `make test` is kept under 45 on a 2-core machine).
import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

/** Wall time a file took: set-up, collection (imports, beforeAll) and its tests and hooks. */
function fileMs(m: TestModule): number {
  const d = m.diagnostic();
  return d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration;
}

export default class SlowestFiles implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules
      .map((m) => ({ file: relative(process.cwd(), m.moduleId), ms: fileMs(m), state: m.state() }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10);
    if (rows.length === 0) return;
    const total = modules.reduce((s, m) => s + fileMs(m), 0);
    const lines = rows.map((r) => `  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.file}${r.state === "passed" ? "" : `  (${r.state})`}`);
    process.stdout.write(`\nSlowest test files (of ${modules.length}, ${(total / 1000).toFixed(0)} s in all):\n${lines.join("\n")}\n`);
  }
}
