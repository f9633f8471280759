// `kiln check REF|FILE`: Proxmox's template rules; exit 1 (CheckFailed) when any fails.
import { loadConfig } from "../config.js";
import { CheckFailed } from "../errors.js";
import type { GlobalOptions } from "./options.js";
import { checkRef, type CheckReport } from "../check/index.js";
import { emit } from "./output.js";

/** The report for a person: one line per failure, or a one-line pass. */
function human(r: CheckReport): string {
  if (r.ok) return `ok: ${r.template} (${r.osId ?? "?"}, ${r.arch ?? "?"}, ${r.members} members)`;
  return [`${r.template}:`, ...r.failures.map((f) => `  ✗ ${f.rule}: ${f.path}: ${f.message}`)].join("\n");
}

/** Checks the image or file REF names; prints every failure, then fails with exit 1 if there were any. */
export async function check(ref: string, o: GlobalOptions & { readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const report = await checkRef(store, ref);
  emit(o.json, report, human);
  if (!report.ok) throw new CheckFailed(`check failed: ${report.failures.length} problem${report.failures.length === 1 ? "" : "s"} in ${report.template}`);
}
