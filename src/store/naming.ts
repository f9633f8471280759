// Validation of the names that end up in template file names and tags (what the recipe rules also enforce).
// The one function, not the package index: `kiln pack` validates a version, and semver's index loads ~45 modules.
import validSemver from "semver/functions/valid.js";
import type { Problem } from "../errors.js";
import { PROXMOX_OSTYPES } from "../rootfs/os-release.js";

/** Debian architectures a template can be built for (and Proxmox can run). */
export const ARCHES: readonly string[] = ["amd64", "arm64", "armhf", "i386", "riscv64"];
/** Image names: lowercase letters, digits and '-' (no '_', which separates the parts of a template name). */
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Tag names: a letter or digit, then letters, digits, '.', '_', '-'; 128 at most. */
const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Every problem with an image's name, version, arch and ostype (keys name the flag or field). */
export function imageNameProblems(o: { readonly name: string; readonly version: string; readonly arch: string; readonly ostype: string }): Problem[] {
  const problems: Problem[] = [];
  if (!NAME.test(o.name))
    problems.push({ key: "name", message: `'${o.name}' is not a valid image name: use lowercase letters, digits and '-' (e.g. cam-node)` });
  if (validSemver(o.version) !== o.version) problems.push({ key: "version", message: `'${o.version}' is not a semantic version (e.g. 1.4.0 or 2.0.0-rc.1)` });
  if (!ARCHES.includes(o.arch)) problems.push({ key: "arch", message: `'${o.arch}' is not a supported architecture (${ARCHES.join(", ")})` });
  if (!PROXMOX_OSTYPES.includes(o.ostype)) problems.push({ key: "ostype", message: `'${o.ostype}' is not a Proxmox ostype (${PROXMOX_OSTYPES.join(", ")})` });
  return problems;
}

/** The problem with a tag name, or undefined if it is fine. Hex-looking names would shadow id prefixes. */
export function tagNameProblem(name: string): string | undefined {
  if (!TAG.test(name)) return `'${name}' is not a valid tag: start with a letter or digit, then letters, digits, '.', '_' or '-' (at most 128)`;
  if (/^[0-9a-f]{12,}$/.test(name)) return `'${name}' looks like an image id; pick a tag that does not (e.g. add a letter outside a-f)`;
  return undefined;
}
