// One recipe file as read from disk: a TOML document (toml-schema/document.ts) read with the recipe's wording.
import type { Problem } from "../errors.js";
import { readTomlDocument, type TomlDocument } from "../toml-schema/document.js";

/** A recipe file: its parsed TOML, where it is, and how to find a key's line in it. */
export type Layer = TomlDocument;

/** Reads and parses one recipe file; a missing file or bad TOML becomes a Problem instead. */
export function readLayer(file: string): Promise<Layer | Problem> {
  return readTomlDocument(file, { noun: "recipe" });
}
