// The line layer of pip's requirements format: `\` continuations, comments, and the split of a
// line into its requirement part and its options, done the way pip's req_file.py does it.
import { quoteInput } from "../util/quote.js";

/** One logical line, numbered by its first physical line. */
export interface LogicalLine {
  readonly line: number;
  readonly text: string;
}

// pip's COMMENT_RE: a "#" at the start of the line or after whitespace starts a comment.
const COMMENT_ANYWHERE = /(^|\s+)#.*$/;
const COMMENT_LINE = /^\s*#/;

/** Joins continued lines and removes comments and blank lines (pip's join_lines + ignore_comments). */
export function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const physical = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  let pending: string[] = [];
  let first = 0;
  const emit = (line: number, joined: string) => {
    const stripped = joined.replace(COMMENT_ANYWHERE, "").trim();
    if (stripped) out.push({ line, text: stripped });
  };
  physical.forEach((raw, i) => {
    const isComment = COMMENT_LINE.test(raw);
    if (!raw.endsWith("\\") || isComment) {
      // A comment line ends a continuation; the leading space keeps it matched as a comment.
      const piece = isComment ? ` ${raw}` : raw;
      if (pending.length) {
        emit(first, pending.join("") + piece);
        pending = [];
      } else {
        emit(i + 1, piece);
      }
    } else {
      if (!pending.length) first = i + 1;
      pending.push(raw.replace(/^\\+|\\+$/g, ""));
    }
  });
  if (pending.length) emit(first, pending.join(""));
  return out;
}

/** Splits a line into its requirement (tokens before the first one starting with "-") and its options. */
export function splitArgsOptions(line: string): { args: string; options: string } {
  const tokens = line.split(" ");
  const i = tokens.findIndex((t) => t.startsWith("-"));
  if (i < 0) return { args: tokens.join(" "), options: "" };
  return { args: tokens.slice(0, i).join(" ").trim(), options: tokens.slice(i).join(" ") };
}

/** Splits option text into words, honouring simple single and double quotes (as shlex does for pip). */
export function optionWords(text: string): string[] {
  const words: string[] = [];
  for (const m of text.matchAll(/(?:[^\s'"]+|'[^']*'|"[^"]*")+/g)) {
    words.push(m[0].replace(/'([^']*)'|"([^"]*)"/g, (_all, a: string | undefined, b: string | undefined) => a ?? b ?? ""));
  }
  return words;
}

/** An option as read: its long name, and its value when it takes one. */
export interface ParsedOption {
  readonly name: string;
  readonly value?: string;
}

/** What pip accepts on a line of its own: long name → short name and whether it takes a value. */
export const LINE_OPTIONS: Readonly<Record<string, { readonly short?: string; readonly arg: boolean }>> = {
  "--index-url": { short: "-i", arg: true },
  "--extra-index-url": { arg: true },
  "--no-index": { arg: false },
  "--find-links": { short: "-f", arg: true },
  "--trusted-host": { arg: true },
  "--no-binary": { arg: true },
  "--only-binary": { arg: true },
  "--prefer-binary": { arg: false },
  "--require-hashes": { arg: false },
  "--pre": { arg: false },
  "--use-feature": { arg: true },
  "--requirement": { short: "-r", arg: true },
  "--constraint": { short: "-c", arg: true },
  "--editable": { short: "-e", arg: true },
  // Per-requirement options (after a requirement on the same line).
  "--hash": { arg: true },
  "--global-option": { arg: true },
  "--config-settings": { arg: true },
};

/** Reads option words into options; returns the words it could not make sense of as errors. */
export function parseOptions(words: readonly string[]): { options: ParsedOption[]; errors: string[] } {
  const options: ParsedOption[] = [];
  const errors: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const eq = word.startsWith("--") ? word.indexOf("=") : -1;
    const long = eq > 0 ? word.slice(0, eq) : word;
    const entry = Object.entries(LINE_OPTIONS).find(([name, o]) => name === long || (o.short !== undefined && word.startsWith(o.short)));
    if (!entry) {
      errors.push(`unknown option ${quoteInput(word)}`);
      continue;
    }
    const [name, spec] = entry;
    const attached = eq > 0 ? word.slice(eq + 1) : name !== long && word.length > 2 ? word.slice(2) : undefined;
    if (!spec.arg) {
      if (attached !== undefined) errors.push(`${name} takes no value`);
      options.push({ name });
    } else if (attached !== undefined) {
      options.push({ name, value: attached });
    } else if (i + 1 < words.length) {
      options.push({ name, value: words[++i] as string });
    } else {
      errors.push(`${quoteInput(word)} needs a value`);
    }
  }
  return { options, errors };
}
