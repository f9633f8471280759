// Pinned requirements: the pip-compile file format, PEP 440 versions and specifiers, PEP 508
// markers, wheel METADATA and the closure check. Everything other modules use is exported here.
export * from "./types.js";
export { parseRequirementsText, type ReadInclude, type ParseOptions } from "./parse.js";
export { loadRequirements } from "./load.js";
export { PIN_HINT } from "./pin-line.js";
export { canonicalizeName, isValidName } from "./names.js";
export * from "./pep440.js";
export {
  InvalidSpecifier,
  parseSpecifier,
  tryParseSpecifier,
  parseSpecifierSet,
  formatSpecifierSet,
  specifierContains,
  specifierSetContains,
  specifierAllowsPrereleases,
  canonicalizeVersion,
  type Specifier,
  type SpecifierSet,
  type SpecOperator,
  type ContainsOptions,
} from "./specifier.js";
export * from "./markers.js";
export { parseRequirement, InvalidRequirement, type Requirement } from "./pep508.js";
export * from "./metadata.js";
export { listZip, readZipEntry, ZipError, type ZipEntry } from "./zip.js";
export * from "./closure.js";
export * from "./pin-version.js";
