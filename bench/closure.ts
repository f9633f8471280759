// Closure-check benchmark: parse a pip-compile file of N hashed pins and check the closure of
// their synthetic METADATA (a few Requires-Dist each, with markers and extras). Prints ms.
// Target (issue 2): well under a second for a few hundred pins, before any build starts.
//
//   npm run build && node dist/bench/closure.js [N...]        (default: 300 500 2000)
import { findClosureGaps } from "../src/requirements/closure.js";
import { targetEnvironment } from "../src/requirements/markers.js";
import type { DistMetadata } from "../src/requirements/metadata.js";
import { parseRequirementsText } from "../src/requirements/parse.js";

const RUNS = 5;

/** A pip-compile style file: N pins, two hashes each, continuation lines and "via" comments. */
function requirementsText(n: number): string {
  const hash = (i: number, k: number) => (i * 7919 + k).toString(16).padStart(64, "0");
  return Array.from({ length: n }, (_, i) => {
    const extra = i % 7 === 0 ? "[extra]" : "";
    return `pkg-${i}${extra}==1.${i % 10}.0 \\\n    --hash=sha256:${hash(i, 1)} \\\n    --hash=sha256:${hash(i, 2)}\n    # via -r requirements.in\n`;
  }).join("");
}

/** METADATA for pin i: three ranged dependencies further down, one extra, one marker that never holds. */
function metadata(n: number): DistMetadata[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `pkg-${i}`,
    version: `1.${i % 10}.0`,
    requiresDist: [
      ...[1, 2, 3].filter((d) => i + d * 17 < n).map((d) => `pkg-${i + d * 17}>=1.0,<2 ; python_version >= "3.8"`),
      `pkg-${(i * 31) % n}[extra] ; extra == 'extra'`,
      `never-pinned-${i} ; sys_platform == "win32"`,
    ],
    providesExtra: ["extra"],
  }));
}

/** Median of RUNS timings of fn, in milliseconds. */
function median(fn: () => void): number {
  const times = Array.from({ length: RUNS }, () => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  }).sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] as number;
}

const env = targetEnvironment();
for (const n of (process.argv.slice(2).length ? process.argv.slice(2) : ["300", "500", "2000"]).map(Number)) {
  const text = requirementsText(n);
  const metas = metadata(n);
  let gaps = -1;
  const parseMs = median(() => void parseRequirementsText(text, "pinned.txt"));
  const closureMs = median(() => {
    gaps = findClosureGaps({ pins: parseRequirementsText(text, "pinned.txt").pins, metadata: metas, env }).length;
  });
  console.log(`${n} pins: parse ${parseMs.toFixed(1)} ms, parse + closure ${closureMs.toFixed(1)} ms (median of ${RUNS}; ${gaps} gaps)`);
}
