// Pinned wheels, fetch side and bake side. fetchWheels takes exactly the pinned file of each pin that
// applies to the target (from a wheelhouse directory or a PEP 503 index), checks its sha256 against the
// pin, stores it as `<cache>/wheels/<sha256>/<file>` (pip needs the real file name), and runs the
// closure check on the wheels' METADATA before anything else happens. wheelhouseFromCache is offline.
import { copyFile, link, mkdir, readdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import pLimit from "p-limit";
import { UserError, type Problem } from "../errors.js";
import type { LockedWheel } from "../lock/types.js";
import {
  checkClosure,
  evaluateMarker,
  pinSpec,
  readWheelMetadata,
  targetEnvironment,
  wheelMatchesPin,
  type MarkerEnvironment,
  type Pin,
  type Requirements,
} from "../requirements/index.js";
import { sha256File } from "../util/hash.js";
import { cacheTemp, checkCached, storeFile } from "./cache.js";
import { pipDownload } from "./wheel-index.js";
import { BOOKWORM_AMD64, describeTarget, parseWheelFilename, wheelRanker, type WheelName, type WheelTarget } from "./wheel-name.js";
import { errnoCode } from "../util/thrown.js";

/** Where wheels come from: a directory of *.whl files, or a PEP 503 index URL. */
export type WheelSource = { readonly wheelhouse: string } | { readonly index: string };

export interface FetchWheelsOptions {
  readonly requirements: Pick<Requirements, "pins">;
  readonly from: WheelSource;
  readonly cache: string;
  /** Target environment for markers and tags; default: targetEnvironment() (CPython 3.11, x86_64). */
  readonly env?: MarkerEnvironment;
  /** The target's glibc, which bounds the manylinux tags it accepts; default bookworm's 2.36. */
  readonly glibc?: readonly [number, number];
  /** Python that runs `pip download` (index only); default python3 on PATH. */
  readonly python?: string;
}

/** A file chosen for a pin, before it enters the cache. */
interface Found {
  readonly pin: Pin;
  readonly path: string;
  readonly wheel: WheelName;
  readonly sha256: string;
}

/** The cache path of a locked wheel: `<cache>/wheels/<sha256>/<file>`. */
export function wheelPath(cache: string, w: Pick<LockedWheel, "sha256" | "file">): string {
  return join(cache, "wheels", w.sha256, w.file);
}

/** `katcp-lite==0.9.3`, as messages name a pin. */
function label(p: Pin): string {
  return pinSpec(p);
}

/** The wheel target the marker environment describes. */
function targetOf(env: MarkerEnvironment, glibc: readonly [number, number]): WheelTarget {
  return { pythonVersion: env.python_version, machine: env.platform_machine, glibc };
}

/** Whether a pin's marker holds for the target (pins without one always apply). */
function applies(p: Pin, env: MarkerEnvironment): boolean {
  return p.marker === undefined || evaluateMarker(p.marker, env);
}

/**
 * Picks the best file for a pin among candidate paths: same name and version, runnable on the target,
 * and hashing to one of the pin's hashes. A Problem says which of those failed.
 */
async function choose(pin: Pin, paths: readonly string[], target: WheelTarget, where: string): Promise<Found | Problem> {
  const rank = wheelRanker(target);
  const named = paths
    .map((path) => ({ path, wheel: parseWheelFilename(basename(path)) }))
    .filter((c): c is { path: string; wheel: WheelName } => c.wheel?.name === pin.name);
  // For a direct reference the pin's version is the one in its file name, so this holds for it too.
  const exact = named.filter((c) => wheelMatchesPin(pin, c.wheel));
  const at = { file: pin.file, line: pin.line };
  if (!exact.length) {
    const others = [...new Set(named.map((c) => c.wheel.version))].join(", ");
    return {
      ...at,
      message: `${label(pin)}: no wheel in ${where}${others ? ` (it has ${pin.name} ${others})` : ""}; add the pinned wheel there or change the pin`,
    };
  }
  const runnable = exact.map((c) => ({ ...c, rank: rank(c.wheel) })).filter((c): c is typeof c & { rank: number } => c.rank !== undefined);
  if (!runnable.length) {
    return {
      ...at,
      message: `${label(pin)}: no wheel in ${where} runs on ${describeTarget(target)} (found ${exact.map((c) => c.wheel.file).join(", ")}); build one for the target`,
    };
  }
  runnable.sort((a, b) => a.rank - b.rank || a.wheel.file.localeCompare(b.wheel.file));
  const hashed = await Promise.all(runnable.map(async (c) => ({ ...c, sha256: await sha256File(c.path) })));
  const ok = hashed.find((c) => pin.hashes.includes(c.sha256));
  if (ok) return { pin, path: ok.path, wheel: ok.wheel, sha256: ok.sha256 };
  const [best] = hashed;
  if (!best) return { ...at, message: `${label(pin)}: no wheel to check` }; // runnable is not empty (above): never
  return { ...at, message: `${label(pin)}: hash mismatch (expected ${pin.hashes.join(" or ")}, got ${best.sha256} for ${best.wheel.file})` };
}

/** Candidate files for each pin already in the cache: `<cache>/wheels/<hash>/*.whl` for its hashes. */
async function cachedCandidates(cache: string, pin: Pin): Promise<string[]> {
  const lists = await Promise.all(
    pin.hashes.map(async (h) =>
      (await readdir(join(cache, "wheels", h)).catch((): string[] => [])).filter((f) => f.endsWith(".whl")).map((f) => join(cache, "wheels", h, f)),
    ),
  );
  return lists.flat();
}

/** Every *.whl in a wheelhouse directory (a missing directory is bad input). */
async function wheelhouseFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith(".whl")).map((f) => join(dir, f));
  } catch (e) {
    throw new UserError(`wheelhouse ${dir}: cannot read it (${errnoCode(e) ?? String(e)}); build it or point --wheelhouse at the right directory`, {
      cause: e,
    });
  }
}

/** Splits choose() results into found files and problems. */
function partition(results: readonly (Found | Problem)[]): { found: Found[]; problems: Problem[] } {
  const found = results.filter((r): r is Found => "sha256" in r);
  return { found, problems: results.filter((r): r is Problem => !("sha256" in r)) };
}

/** Takes the pins the cache cannot serve from the wheelhouse or the index; returns what was found. */
async function download(o: FetchWheelsOptions, pins: readonly Pin[], target: WheelTarget, tmp: string): Promise<{ found: Found[]; problems: Problem[] }> {
  if (!pins.length) return { found: [], problems: [] };
  const limit = pLimit(4);
  if ("wheelhouse" in o.from) {
    const files = await wheelhouseFiles(o.from.wheelhouse);
    const where = `wheelhouse ${o.from.wheelhouse}`;
    // A direct reference to a local file (`name @ file:///…whl`) is its own candidate.
    const local = (p: Pin) => (p.url?.startsWith("file:") ? [fileURLToPath(p.url)] : []);
    return partition(await Promise.all(pins.map((p) => limit(() => choose(p, [...local(p), ...files], target, where)))));
  }
  const dest = join(tmp, "download");
  await mkdir(dest);
  const pipProblems = await pipDownload({ pins, index: o.from.index, dest, target, python: o.python });
  if (pipProblems.length) return { found: [], problems: pipProblems };
  const files = (await readdir(dest)).map((f) => join(dest, f));
  const where = `the files pip downloaded from ${o.from.index}`;
  return partition(await Promise.all(pins.map((p) => limit(() => choose(p, files, target, where)))));
}

/**
 * Networked: fetches exactly the pinned wheel of every pin that applies to the target into the cache,
 * verifying each sha256 against the pin, then checks the dependency closure of their METADATA.
 * Every problem is reported at once (UserError). Wheels already cached are not downloaded again.
 */
export async function fetchWheels(o: FetchWheelsOptions): Promise<LockedWheel[]> {
  const env = o.env ?? targetEnvironment();
  const target = targetOf(env, o.glibc ?? BOOKWORM_AMD64.glibc);
  const pins = o.requirements.pins.filter((p) => applies(p, env));
  const unhashed = pins.filter((p) => p.hashes.length === 0);
  if (unhashed.length) {
    throw new UserError(
      unhashed.map((p) => ({ file: p.file, line: p.line, message: `${label(p)}: no --hash; every wheel is checked against its sha256` })),
      { hint: "regenerate the pins with: pip-compile --generate-hashes" },
    );
  }
  const fromCache = await Promise.all(pins.map(async (p) => ({ p, r: await choose(p, await cachedCandidates(o.cache, p), target, "the cache") })));
  const cached = fromCache.map((x) => x.r).filter((r): r is Found => "sha256" in r);
  const missing = fromCache.filter((x) => !("sha256" in x.r)).map((x) => x.p);
  const tmp = await cacheTemp(o.cache, "wheels");
  let found: Found[];
  try {
    const got = await download(o, missing, target, tmp);
    if (got.problems.length)
      throw new UserError(got.problems, { hint: "nothing was added to the lock; fix the pins or the wheel source and run the command again" });
    for (const f of got.found) {
      await storeFile({
        src: f.path,
        dest: wheelPath(o.cache, { sha256: f.sha256, file: f.wheel.file }),
        sha256: f.sha256,
        move: "index" in o.from,
        what: `${f.pin.file}:${f.pin.line}: ${label(f.pin)}`,
      });
    }
    found = [...cached, ...got.found];
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const locked = found.map((f): LockedWheel => ({ name: f.pin.name, version: f.pin.version, file: f.wheel.file, sha256: f.sha256 }));
  const metadata = await Promise.all(locked.map((w) => readWheelMetadata(wheelPath(o.cache, w))));
  checkClosure({ pins: o.requirements.pins.map((p) => ({ ...p, applies: applies(p, env) })), metadata, env });
  return locked.sort((a, b) => a.name.localeCompare(b.name) || a.file.localeCompare(b.file));
}

/** Every locked wheel that is missing from the cache or corrupt (bake's preflight, before bootstrap). */
export async function checkWheels(o: { readonly cache: string; readonly wheels: readonly LockedWheel[] }): Promise<Problem[]> {
  const found = await Promise.all(
    o.wheels.map((w) => checkCached({ path: wheelPath(o.cache, w), sha256: w.sha256, what: `wheel ${w.file} (${w.name}==${w.version})` })),
  );
  return found.filter((p): p is Problem => p !== undefined);
}

/**
 * Offline: puts every locked wheel into `dir` (hard links where possible, else copies), each
 * re-verified against its sha256. Anything missing or corrupt is reported at once, before `dir` is touched.
 */
export async function wheelhouseFromCache(o: { readonly cache: string; readonly wheels: readonly LockedWheel[]; readonly dir: string }): Promise<void> {
  const problems = await checkWheels(o);
  if (problems.length) throw new UserError(problems);
  await mkdir(o.dir, { recursive: true });
  for (const w of o.wheels) {
    const dest = join(o.dir, w.file);
    await rm(dest, { force: true });
    try {
      await link(wheelPath(o.cache, w), dest);
    } catch {
      // Another file system (EXDEV) or a filesystem without hard links: copy instead.
      await copyFile(wheelPath(o.cache, w), dest);
    }
  }
}
