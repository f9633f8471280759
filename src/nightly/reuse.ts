// An unchanged night: when tonight's bake gives the image the last tested night booted, its disks and
// boot result stand. Nothing is rebuilt; the files are hard-linked (copied across file systems) into
// tonight's directory, so retention of the older night cannot take them away.
import { existsSync } from "node:fs";
import { copyFile, link, mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { readHistory } from "./history.js";
import type { NightlyReport } from "./types.js";

/** A night whose image booted, and the directory its files are in now. */
export interface TestedNight {
  readonly report: NightlyReport;
  readonly dir: string;
}

/** The files a reused night brings along: the VM outputs, vm.json and the serial log. */
function reusable(r: NightlyReport): string[] {
  return Object.entries(r.files ?? {})
    .filter(([k]) => k !== "report.json" && k !== "report.html")
    .map(([, f]) => f);
}

/**
 * The newest night that booted `image` on the same boot hardware and firmware and whose files are all still there. `earlier` is tonight's
 * earlier run, set aside while this one runs (its report names tonight's date).
 */
export async function lastTested(o: {
  readonly out: string;
  readonly night: string;
  readonly earlier?: string;
  readonly image: string;
  readonly hw: string;
  readonly firmware: string;
}): Promise<TestedNight | undefined> {
  const candidates: TestedNight[] = (await readHistory(o.out)).filter((r) => r.night !== o.night).map((report) => ({ report, dir: join(o.out, report.night) }));
  if (o.earlier) {
    const text = await readFile(join(o.earlier, "report.json"), "utf8").catch(() => undefined);
    if (text) candidates.push({ report: JSON.parse(text) as NightlyReport, dir: o.earlier });
  }
  return (
    candidates
      // The same image, booted on the same hardware and firmware (reports before these existed: virtio, UEFI).
      .filter(
        ({ report: r }) =>
          r.ok && r.image === o.image && r.bootTest?.ok === true && (r.bootTest.hw ?? "virtio") === o.hw && (r.bootTest.firmware ?? "uefi") === o.firmware,
      )
      .sort((a, b) => (a.report.night < b.report.night ? -1 : 1))
      .reverse()
      .find(({ report: r, dir }) => reusable(r).length > 0 && reusable(r).every((f) => existsSync(join(dir, f))))
  );
}

/** Links the tested night's files into `dir` (same relative names). */
export async function reuseNight(from: TestedNight, dir: string): Promise<void> {
  for (const f of reusable(from.report)) {
    await mkdir(dirname(join(dir, f)), { recursive: true });
    await link(join(from.dir, f), join(dir, f)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EXDEV") throw e;
      return copyFile(join(from.dir, f), join(dir, f));
    });
  }
}
