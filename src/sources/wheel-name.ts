// Wheel file names (PEP 427/491) and the PEP 425 tags a target interpreter accepts, best first,
// in the order Python's `packaging.tags.sys_tags()` gives them for CPython on glibc Linux.
import { canonicalizeName } from "../requirements/names.js";
import { isValidVersion, normalizeVersion } from "../requirements/pep440.js";
import { ARBITRARY_VERSION_RE } from "../requirements/pin-version.js";

/** A parsed wheel file name. */
export interface WheelName {
  readonly file: string;
  /** PEP 503-normalised distribution name. */
  readonly name: string;
  /** PEP 440-normalised version; a version that is not PEP 440 (a `===` pin's) as written. */
  readonly version: string;
  /** The version as the file name writes it (a `-` in it escaped as `_`). */
  readonly rawVersion: string;
  readonly build?: string;
  /** Every `python-abi-platform` tag the file carries (compressed tag sets expanded). */
  readonly tags: readonly string[];
}

/** Parses `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`; undefined if it is not one. */
export function parseWheelFilename(file: string): WheelName | undefined {
  if (!file.endsWith(".whl") || file.includes("/")) return undefined;
  const parts = file.slice(0, -4).split("-");
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [name, rawVersion] = parts;
  const build = parts.length === 6 ? parts[2] : undefined;
  if (build !== undefined && !/^\d/.test(build)) return undefined;
  const [py, abi, plat] = parts.slice(-3);
  // Five or six parts (checked above), so all are present: this only tells the compiler.
  if (name === undefined || rawVersion === undefined || py === undefined || abi === undefined || plat === undefined) return undefined;
  // `_` is how a file name writes a version's `-` (1.0-custom → 1.0_custom).
  const version = isValidVersion(rawVersion.replace(/_/g, "-")) ? normalizeVersion(rawVersion.replace(/_/g, "-")) : rawVersion;
  if (!ARBITRARY_VERSION_RE.test(version)) return undefined;
  const tags = py.split(".").flatMap((p) => abi.split(".").flatMap((a) => plat.split(".").map((pl) => `${p}-${a}-${pl}`)));
  return { file, name: canonicalizeName(name), version, rawVersion, ...(build !== undefined ? { build } : {}), tags };
}

/** The interpreter and platform a wheel must run on. */
export interface WheelTarget {
  /** "3.11": major.minor of the target's CPython. */
  readonly pythonVersion: string;
  /** `uname -m` of the target, e.g. "x86_64". */
  readonly machine: string;
  /** The target's glibc [major, minor] (bookworm: 2.36): the newest manylinux it satisfies. */
  readonly glibc: readonly [number, number];
}

/** Debian bookworm's CPython 3.11 on amd64, the default target. */
export const BOOKWORM_AMD64: WheelTarget = { pythonVersion: "3.11", machine: "x86_64", glibc: [2, 36] };

/** PEP 600 legacy aliases: the old manylinux names and the glibc each stands for. */
const LEGACY: readonly { readonly glibc: number; readonly name: string; readonly arches: readonly string[] }[] = [
  { glibc: 17, name: "manylinux2014", arches: ["x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"] },
  { glibc: 12, name: "manylinux2010", arches: ["x86_64", "i686"] },
  { glibc: 5, name: "manylinux1", arches: ["x86_64", "i686"] },
];

/** Platform tags, best first: manylinux_2_N down to 2_5 (legacy aliases after their 2_N), then linux_<arch>. */
export function platformTags(t: WheelTarget): string[] {
  const out: string[] = [];
  // packaging starts manylinux at glibc 2.17 for x86_64/i686's older names; other arches too (PEP 599).
  const [major, minor] = t.glibc;
  const lowest = t.machine === "x86_64" || t.machine === "i686" ? 5 : 17;
  if (major === 2) {
    for (let m = minor; m >= lowest; m--) {
      out.push(`manylinux_2_${m}_${t.machine}`);
      const legacy = LEGACY.find((l) => l.glibc === m && l.arches.includes(t.machine));
      if (legacy) out.push(`${legacy.name}_${t.machine}`);
    }
  }
  out.push(`linux_${t.machine}`);
  return out;
}

/** Every tag the target accepts, best first (packaging's cpython_tags then compatible_tags). */
export function supportedTags(t: WheelTarget): string[] {
  const [maj = "3", min = "0"] = t.pythonVersion.split(".");
  const minor = Number(min);
  const cp = `cp${maj}${minor}`;
  const plats = platformTags(t);
  const out: string[] = [];
  const each = (py: string, abi: string, ps: readonly string[]) => {
    for (const p of ps) out.push(`${py}-${abi}-${p}`);
  };
  each(cp, cp, plats);
  each(cp, "abi3", plats);
  each(cp, "none", plats);
  // The stable ABI (abi3) exists from 3.2 on: an abi3 wheel built for an older 3.x still loads.
  for (let m = minor - 1; m >= 2; m--) each(`cp${maj}${m}`, "abi3", plats);
  const pys = [`py${maj}${minor}`, `py${maj}`, ...Array.from({ length: minor }, (_, i) => `py${maj}${minor - 1 - i}`)];
  for (const py of pys) each(py, "none", plats);
  each(cp, "none", ["any"]);
  for (const py of pys) each(py, "none", ["any"]);
  return out;
}

/** Ranks wheels for a target: lower is better; undefined when the wheel cannot run there. */
export function wheelRanker(t: WheelTarget): (w: WheelName) => number | undefined {
  const rank = new Map(supportedTags(t).map((tag, i) => [tag, i]));
  return (w) => {
    const ranks = w.tags.map((tag) => rank.get(tag)).filter((r): r is number => r !== undefined);
    return ranks.length ? Math.min(...ranks) : undefined;
  };
}

/** Human description of a target for messages: "CPython 3.11 on x86_64 (glibc 2.36)". */
export function describeTarget(t: WheelTarget): string {
  return `CPython ${t.pythonVersion} on ${t.machine} (glibc ${t.glibc.join(".")})`;
}
