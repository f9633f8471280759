// `kiln verify REF [--json]`: boot the image in a throwaway container and run its [verify] checks.
import { loadConfig } from "../config.js";
import { verifyImage, type VerifyReport } from "../deploy/verify.js";
import { CheckFailed } from "../errors.js";
import { info } from "../log.js";
import type { GlobalOptions } from "./options.js";
import { emit } from "./output.js";
import { shortId } from "../util/format.js";

/** systemd's verdict, then one line per command with its result. */
function human(r: VerifyReport): string {
  const lines = [`${shortId(r.image)}: systemd ${r.systemd}${r.failedUnits.length ? ` (failed: ${r.failedUnits.join(", ")})` : ""}`];
  for (const c of r.checks) {
    lines.push(`  ${c.ok ? "✓" : "✗"} ${c.argv.join(" ")}  (exit ${c.exitCode}, ${(c.ms / 1000).toFixed(1)}s)`);
    if (!c.ok && c.output) lines.push(...c.output.split("\n").map((l) => `      ${l}`));
  }
  lines.push(r.ok ? `ok: ${r.checks.length} check${r.checks.length === 1 ? "" : "s"} passed in ${(r.ms / 1000).toFixed(1)}s` : `FAILED: ${r.message ?? "?"}`);
  return lines.join("\n");
}

/** Verifies REF; exit 1 when systemd or a check fails. */
export async function verify(ref: string, o: GlobalOptions & { readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const report = await verifyImage({ store, ref }, { log: info });
  emit(o.json, report, human);
  if (!report.ok) throw new CheckFailed(`verify failed for ${report.image}: ${report.message ?? "?"}`);
}
