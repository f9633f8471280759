// How a pin names its version: `==V` (a PEP 440 version, compared as versions) or `===V` (PEP 440's
// arbitrary equality, which pip-compile writes for versions that are not PEP 440, e.g. `1.0-custom`:
// compared as text, case-insensitively, as pip and packaging do).
import { compareVersions, isValidVersion, tryParseVersion } from "./pep440.js";
import type { Pin } from "./types.js";

/** The version part of a pin. */
type PinVersion = Pick<Pin, "version" | "arbitrary">;

/**
 * What an arbitrary-equality version may hold: it is written into pip's requirements file and the lock,
 * so only the characters versions are made of (no space, `#`, `;`, quote or path separator).
 */
export const ARBITRARY_VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._+!-]*$/;

/** True for a version a lock may record: PEP 440, or text a `===` pin may hold. */
export function isLockableVersion(text: string): boolean {
  return isValidVersion(text) || ARBITRARY_VERSION_RE.test(text);
}

/** "===" for an arbitrary-equality pin, "==" otherwise. */
export function pinOperator(p: PinVersion): "==" | "===" {
  return p.arbitrary ? "===" : "==";
}

/** `name==version` or `name===version`: how pip reads the pin and how messages name it. */
export function pinSpec(p: Pick<Pin, "name" | "version" | "arbitrary">): string {
  return `${p.name}${pinOperator(p)}${p.version}`;
}

/** The exact requirement pip installs a locked wheel with: `===` when its version is not PEP 440. */
export function lockedSpec(w: { readonly name: string; readonly version: string }): string {
  return `${w.name}${isValidVersion(w.version) ? "==" : "==="}${w.version}`;
}

/** Whether `version` (a wheel's METADATA, another pin) is the pinned one: text for `===`, else as versions. */
export function pinMatchesVersion(p: PinVersion, version: string): boolean {
  if (p.arbitrary) return version.toLowerCase() === p.version.toLowerCase();
  const a = tryParseVersion(p.version);
  const b = tryParseVersion(version);
  return a !== undefined && b !== undefined && compareVersions(a, b) === 0;
}

/** Whether two pins of one package agree on the version (either one `===`: by text). */
export function samePinVersion(a: PinVersion, b: PinVersion): boolean {
  return pinMatchesVersion(a.arbitrary ? a : b, a.arbitrary ? b.version : a.version);
}

/**
 * Whether a wheel file is of the pinned version: `version` in PEP 440 form (parseWheelFilename's) for
 * `==`; for `===` the file name's own text, where a `-` of the version is written `_`.
 */
export function wheelMatchesPin(p: PinVersion, wheel: { readonly version: string; readonly rawVersion: string }): boolean {
  if (!p.arbitrary) return wheel.version === p.version;
  return wheel.rawVersion.toLowerCase() === p.version.replace(/-/g, "_").toLowerCase();
}
