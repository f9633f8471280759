// Downloading pinned wheels from a PEP 503 index with pip: one `pip download` for every pin, exact
// files only (--no-deps --only-binary :all: --require-hashes), for the target's interpreter and
// platform rather than this host's. pip's own failures are turned into per-pin messages.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ToolError, type Problem } from "../errors.js";
import { checkTool, describeFailure, run } from "../exec/run.js";
import { canonicalizeName, pinSpec, type Pin } from "../requirements/index.js";
import { platformTags, type WheelTarget } from "./wheel-name.js";

/** One requirements line per pin with all its hashes: exactly what pip may download. */
export function pipRequirementsText(pins: readonly Pin[]): string {
  return pins
    .map((p) => {
      const req = p.url !== undefined ? `${p.name} @ ${p.url}` : pinSpec(p);
      return [req, ...p.hashes.map((h) => `--hash=sha256:${h}`)].join(" ");
    })
    .join("\n")
    .concat("\n");
}

/** The pip download argv (built apart from running it, so a unit test can read it). */
export function pipDownloadArgv(o: {
  readonly python: string;
  readonly index: string;
  readonly dest: string;
  readonly requirementsFile: string;
  readonly target: WheelTarget;
}): string[] {
  const [maj = "3", min = "0"] = o.target.pythonVersion.split(".");
  return [
    o.python,
    "-m",
    "pip",
    "download",
    // --isolated: no pip.conf, no PIP_* variables: the index and options are exactly these.
    "--isolated",
    "--disable-pip-version-check",
    "--no-input",
    "--progress-bar",
    "off",
    // kiln's cache is the cache; pip's would only hide what was downloaded.
    "--no-cache-dir",
    // Exactly the pinned files: no resolution, no sdists (building them would run code), hashes required.
    "--no-deps",
    "--only-binary",
    ":all:",
    "--require-hashes",
    "--index-url",
    o.index,
    "--dest",
    o.dest,
    // The target's interpreter and platforms, not this host's; pip does not expand manylinux_2_N itself.
    "--python-version",
    `${maj}.${min}`,
    "--implementation",
    "cp",
    "--abi",
    `cp${maj}${min}`,
    ...platformTags(o.target).flatMap((p) => ["--platform", p]),
    "--requirement",
    o.requirementsFile,
  ];
}

/** Where a pin is, for messages: `{file, line}` plus `name==version: `. */
function at(p: Pin): { file: string; line: number } {
  return { file: p.file, line: p.line };
}

/** Turns pip's hash-mismatch and not-found reports into one Problem per pin; [] if it said neither. */
export function pipProblems(stderr: string, pins: readonly Pin[], index: string): Problem[] {
  const byName = new Map(pins.map((p) => [p.name, p]));
  const find = (name: string) => byName.get(canonicalizeName(name));
  const problems: Problem[] = [];
  // pip 23:  "    katcp-lite==0.3.1 from http://…whl (from -r pins.txt (line 1)):"
  //           "        Expected sha256 aaa…"  ("        Expected     or bbb…" for each further hash)
  //           "             Got        ccc…"
  const mismatch =
    /^[ \t]+([A-Za-z0-9._-]+)(?:\[[^\]]*\])?(?:==\S+| @ \S+)? from .*:[ \t]*\n(?:[ \t]+Expected[ \t]+(?:sha256|or)[ \t]+[0-9a-f]{64}[ \t]*\n)+[ \t]+Got[ \t]+([0-9a-f]{64})/gm;
  for (const m of stderr.matchAll(mismatch)) {
    const pin = find(m[1] ?? "");
    if (!pin) continue;
    problems.push({ ...at(pin), message: `${pinSpec(pin)}: hash mismatch (expected ${pin.hashes.join(" or ")}, got ${m[2]})` });
  }
  for (const m of stderr.matchAll(/No matching distribution found for ([A-Za-z0-9._-]+)/g)) {
    const pin = find(m[1] ?? "");
    if (!pin) continue;
    problems.push({ ...at(pin), message: `${pinSpec(pin)}: no wheel for the target on ${index}; publish one there, or fetch from a wheelhouse` });
  }
  return problems;
}

/**
 * Runs one `pip download` for all `pins` into `dest`. Problems pip reported about specific pins come
 * back as Problems (bad input); anything else pip failed at is a ToolError.
 */
export async function pipDownload(o: {
  readonly pins: readonly Pin[];
  readonly index: string;
  readonly dest: string;
  readonly target: WheelTarget;
  readonly python?: string;
}): Promise<Problem[]> {
  const python = o.python ?? checkTool("python3", "download wheels from an index with pip", "apt-get install python3-pip");
  const requirementsFile = join(o.dest, "..", "kiln-pins.txt");
  await writeFile(requirementsFile, pipRequirementsText(o.pins));
  const argv = pipDownloadArgv({ python, index: o.index, dest: o.dest, requirementsFile, target: o.target });
  const r = await run(argv, { allowFailure: true });
  if (r.exitCode === 0) return [];
  const problems = pipProblems(`${r.stdout}\n${r.stderr}`, o.pins, o.index);
  if (problems.length) return problems;
  throw new ToolError(describeFailure(argv, { exitCode: r.exitCode, stderr: r.stderr }));
}
