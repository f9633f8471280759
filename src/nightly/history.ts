// The nights kept under the nightly output directory, read back from their report.json files.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { NightlyReport } from "./types.js";

/** Every night's report under `out`, oldest first (nights without a readable report are skipped). */
export async function readHistory(out: string): Promise<NightlyReport[]> {
  const nights = (await readdir(out).catch((): string[] => [])).filter((n) => /^\d{8}$/.test(n)).sort();
  const reports = await Promise.all(
    nights.map((n) =>
      readFile(join(out, n, "report.json"), "utf8").then(
        (t) => JSON.parse(t) as NightlyReport,
        () => undefined,
      ),
    ),
  );
  return reports.filter((r): r is NightlyReport => r !== undefined);
}
