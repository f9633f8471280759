// One recipe file as read from disk: its parsed TOML, where it is, and how to find a key's line in it.
import TOML from "@iarna/toml";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, relative } from "node:path";
import type { Problem } from "../errors.js";
import { locator, type Locator } from "./locate.js";
import { escapeControls } from "../util/quote.js";

export interface Layer {
  /** Absolute path of the file. */
  readonly file: string;
  readonly dir: string;
  /** The parsed TOML document. */
  readonly doc: Readonly<Record<string, unknown>>;
  readonly locate: Locator;
}

/** A path for messages: relative to the working directory when it is inside it, absolute otherwise. */
export function displayPath(abs: string, cwd = process.cwd()): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs;
}

/** A problem at `key` in a layer, with the key's line. */
export function problemAt(layer: Layer, key: string, message: string): Problem {
  return { file: displayPath(layer.file), line: layer.locate(key), key, message };
}

/** Reads and parses one recipe file; a missing file or bad TOML becomes a Problem instead. */
export async function readLayer(file: string): Promise<Layer | Problem> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { file: displayPath(file), message: code === "ENOENT" ? "no such recipe file" : `cannot read the recipe: ${(e as Error).message}` };
  }
  try {
    const doc = TOML.parse(text) as Record<string, unknown>;
    return { file, dir: dirname(file), doc, locate: locator(text) };
  } catch (e) {
    const err = e as { line?: number; col?: number; message: string };
    const first = (err.message.split("\n")[0] ?? "").replace(/ at row \d+, col \d+, pos \d+:?$/, "");
    const line = typeof err.line === "number" ? err.line + 1 : undefined;
    return {
      file: displayPath(file),
      line,
      message: `not valid TOML${typeof err.col === "number" ? ` (column ${err.col + 1})` : ""}: ${escapeControls(first.slice(0, 200))}`,
    };
  }
}
