// Renders the recipe schema (schema.ts) as the reference page docs/recipe.md and as a JSON schema
// (draft 2020-12) for editors. scripts/gen-recipe-docs.ts writes both; a unit test pins them.
import { canonicalJson } from "../util/canonical-json.js";
import { KINDS } from "./kinds.js";
import { SECTIONS, TOP_FIELDS } from "./schema.js";
import type { FieldSpec, SectionSpec, TomlValue } from "./spec.js";

/** The command that regenerates the docs (also named by the test that pins them). */
export const REGENERATE = "node dist/scripts/gen-recipe-docs.js";

/** A TOML literal for a default value. */
function toml(v: TomlValue): string {
  return Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(", ")}]` : typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** Escapes a Markdown table cell. */
function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** How a field behaves under `extends`. */
function mergeRule(f: FieldSpec): string {
  if (!f.append) return "child's value replaces";
  if (f.append.key === "package-name") return "appended; same package replaces";
  if (f.append.key === "value") return "appended; duplicates dropped";
  return "appended";
}

/** One row of a reference table. */
function row(f: FieldSpec, merge: string): string {
  const def = f.default === undefined ? "—" : `\`${toml(f.default)}\``;
  return `| \`${f.key}\` | ${cell(KINDS[f.kind].doc(f))} | ${f.required ? "yes" : "no"} | ${cell(def)} | ${merge} | ${cell(f.description)} |`;
}

/** The example block of a section, built from its fields' examples. */
export function exampleToml(sec: SectionSpec): string {
  const head = sec.kind === "table" ? `[${sec.key}]` : `[[${sec.key}]]`;
  return [head, ...sec.fields.map((f) => `${f.key} = ${f.example}`)].join("\n");
}

/** The Markdown reference of one section. */
function sectionDoc(sec: SectionSpec): string {
  const header = sec.kind === "table" ? `## \`[${sec.key}]\`` : `## \`[[${sec.key}]]\``;
  const presence = sec.required ? "Required table." : sec.kind === "table" ? "Optional table." : "Zero or more entries.";
  const entries =
    sec.kind === "array-of-tables"
      ? ` With \`extends\`, entries are appended to the parent's${sec.identity ? `; an entry with the same \`${sec.identity}\` replaces the parent's in place` : ""}.`
      : "";
  const rules = (sec.rules ?? []).map((r) => `\nWhen \`${r.when.key} = "${r.when.equals}"\`, \`${r.field}\` must be ${r.what}.`).join("");
  const merge = (f: FieldSpec): string => (sec.kind === "table" ? mergeRule(f) : "(per entry)");
  return [
    header,
    "",
    `${sec.description} ${presence}${entries}${rules}`,
    "",
    "| Key | Type | Required | Default | With `extends` | Description |",
    "| --- | --- | --- | --- | --- | --- |",
    ...sec.fields.map((f) => row(f, merge(f))),
    "",
    "```toml",
    exampleToml(sec),
    "```",
  ].join("\n");
}

const INTRO = `# Recipe reference

<!-- Generated from src/recipe/schema.ts by scripts/gen-recipe-docs.ts. Do not edit: run \`${REGENERATE}\`. -->

A recipe is a TOML file that says what goes into one template: the Debian base, apt packages, a Python
venv filled from pinned requirements, git/SVN checkouts, files, services, commands run in the image root,
and the checks run once it boots. \`recipes/cam-node.toml\` is a commented example to copy.

Rules that hold everywhere:

- Unknown keys are errors (the message lists the allowed keys and the likely intended one).
- Paths in the image (\`dest\`, \`venv\`) are absolute and normalised: no \`.\` or \`..\` segments, no \`//\`,
  no trailing \`/\`. Paths on the build machine (\`src\`, \`requirements\`, \`extends\`, \`file:\` URLs) are
  relative to the recipe file that writes them.
- Every problem in every file is reported at once, as \`recipes/x.toml:LINE: key.path: message\`
  (exit code 2). Key paths count entries from 0: \`checkout[1].url\` is the second \`[[checkout]]\`.
- The recipe digest (recorded in the lock) covers the merged recipe and the contents of every \`[[file]]\`
  source, with paths relative to the recipe, so it does not depend on where the project is checked out.
  Any change makes the lock stale: run \`kiln lock\`.`;

const EXTENDS = `## \`extends\`

A recipe may build on another: \`extends = "cam-node.toml"\` (relative to this file). The parent is loaded
first (it may itself extend another; cycles are refused), then this file is laid over it:

- scalars, and arrays marked "child's value replaces" below, take the most derived file's value;
- arrays marked "appended" and \`[[…]]\` entries are the parent's followed by the child's;
- a child's \`[[checkout]]\` with the same \`name\`, \`[[file]]\` with the same \`dest\`, or \`apt.packages\` entry
  for the same package **replaces** the parent's in place (so a child can re-pin or re-point it);
- the same value twice within one file is an error; the same unit or include across files is kept once.

| Key | Type | Required | Default | With \`extends\` | Description |
| --- | --- | --- | --- | --- | --- |
${TOP_FIELDS.map((f) => row(f, "—")).join("\n")}`;

/** docs/recipe.md. */
export function renderRecipeMarkdown(): string {
  return `${[INTRO, EXTENDS, ...SECTIONS.map(sectionDoc)].join("\n\n")}\n`;
}

/** JSON schema of one field. */
function fieldJson(f: FieldSpec): Record<string, unknown> {
  return { description: f.description, ...KINDS[f.kind].json(f), default: f.default };
}

/** `required`, or nothing when empty. */
function requiredOf(fields: readonly FieldSpec[]): string[] | undefined {
  const r = fields.filter((f) => f.required).map((f) => f.key);
  return r.length ? r : undefined;
}

/** JSON schema of one section. Required keys of tables only apply without `extends` (see root). */
function sectionJson(sec: SectionSpec): Record<string, unknown> {
  const entry = sec.kind === "array-of-tables";
  const obj = {
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries(sec.fields.map((f) => [f.key, fieldJson(f)])),
    required: entry ? requiredOf(sec.fields) : undefined,
    allOf: sec.rules?.length
      ? sec.rules.map((r) => ({
          if: { properties: { [r.when.key]: { const: r.when.equals } }, required: [r.when.key] },
          // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
          then: { properties: { [r.field]: { pattern: r.pattern } } },
        }))
      : undefined,
  };
  return entry ? { description: sec.description, type: "array", items: obj } : { description: sec.description, ...obj };
}

/** docs/recipe.schema.json. */
export function renderRecipeJsonSchema(): string {
  const tables = SECTIONS.filter((s) => s.kind === "table");
  // A recipe that extends another may leave required tables and keys to its parent.
  const standalone = {
    required: SECTIONS.filter((s) => s.required).map((s) => s.key),
    properties: Object.fromEntries(tables.flatMap((s) => (requiredOf(s.fields) ? [[s.key, { required: requiredOf(s.fields) }]] : []))),
  };
  return canonicalJson({
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "kiln recipe",
    description: `A kiln recipe (TOML). Generated from src/recipe/schema.ts; see docs/recipe.md.`,
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries([...TOP_FIELDS.map((f) => [f.key, fieldJson(f)]), ...SECTIONS.map((s) => [s.key, sectionJson(s)])]),
    if: { not: { required: ["extends"] } },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
    then: standalone,
  });
}
