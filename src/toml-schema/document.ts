// A TOML document as read from disk: the parsed tables, where the file is, and the line of any key path.
// The one place a TOML syntax error becomes a Problem (`file:line: not valid TOML (column C): …`).
import TOML from "@iarna/toml";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Problem } from "../errors.js";
import { displayPath } from "../util/display-path.js";
import { escapeControls } from "../util/quote.js";
import { locator, type Locator } from "./locate.js";
import { isTable } from "./values.js";

export interface TomlDocument {
  /** Absolute path of the file. */
  readonly file: string;
  readonly dir: string;
  /** The parsed top-level table. */
  readonly doc: Readonly<Record<string, unknown>>;
  /** Line of a key path (`checkout[1].url`); a table written only through its children has its first child's line. */
  readonly locate: Locator;
}

/** What to say when the file cannot be read: `noun` is e.g. "recipe", `hint` follows "no such … file". */
export interface ReadWording {
  readonly noun: string;
  readonly hint?: string;
}

/** Shape of the errors @iarna/toml throws for bad syntax (0-based line and column). */
interface TomlSyntaxError {
  readonly message: string;
  readonly line?: number;
  readonly col?: number;
}

/** True for an error that carries @iarna/toml's position fields. */
function isTomlSyntaxError(e: unknown): e is TomlSyntaxError {
  return e instanceof Error && ("line" in e || "col" in e);
}

/** A TOML syntax error as a Problem: its first line, without the parser's own position suffix. */
function syntaxProblem(e: unknown, file: string): Problem {
  const err: TomlSyntaxError = isTomlSyntaxError(e) ? e : { message: String(e instanceof Error ? e.message : e) };
  const first = (err.message.split("\n")[0] ?? "").replace(/ at row \d+, col \d+, pos \d+:?$/, "");
  const col = typeof err.col === "number" ? ` (column ${err.col + 1})` : "";
  return {
    file: displayPath(file),
    line: typeof err.line === "number" ? err.line + 1 : undefined,
    message: `not valid TOML${col}: ${escapeControls(first.slice(0, 200))}`,
  };
}

/** Parses TOML text read from `file` (absolute); a syntax error becomes a Problem instead. */
export function parseTomlDocument(text: string, file: string): TomlDocument | Problem {
  let doc: Record<string, unknown>;
  try {
    doc = TOML.parse(text);
  } catch (e) {
    return syntaxProblem(e, file);
  }
  return { file, dir: dirname(file), doc, locate: childLocator(doc, locator(text)) };
}

/** Reads and parses a TOML file; a missing or unreadable file, or bad TOML, becomes a Problem instead. */
export async function readTomlDocument(file: string, wording: ReadWording): Promise<TomlDocument | Problem> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const missing = e instanceof Error && "code" in e && e.code === "ENOENT";
    const message = missing
      ? `no such ${wording.noun} file${wording.hint ? ` (${wording.hint})` : ""}`
      : `cannot read the ${wording.noun}: ${e instanceof Error ? e.message : String(e)}`;
    return { file: displayPath(file), message };
  }
  return parseTomlDocument(text, file);
}

/** True when a read or parse gave a document rather than a Problem. */
export function isDocument(r: TomlDocument | Problem): r is TomlDocument {
  return "doc" in r;
}

/** A problem at key path `key` of a document, with the key's line. */
export function problemAt(d: Pick<TomlDocument, "file" | "locate">, key: string, message: string): Problem {
  return { file: displayPath(d.file), line: d.locate(key), key, message };
}

/**
 * Wraps a locator: a key with no line of its own or of an enclosing key (a table only ever written
 * through its children, as `[nodes.cam2]` makes `nodes`) gets the line of its first child.
 */
function childLocator(doc: Record<string, unknown>, locate: Locator): Locator {
  return (key) => {
    let k = key;
    let v: unknown = key.includes(".") || key.includes("[") ? undefined : doc[key];
    for (let line = locate(k); ; line = locate(k)) {
      if (line !== undefined || !isTable(v)) return line;
      const first = Object.keys(v)[0];
      if (first === undefined) return undefined;
      k = `${k}.${first}`;
      v = v[first];
    }
  };
}
