// Core metadata of a wheel (`*.dist-info/METADATA`): the RFC 822-style headers the closure check
// needs (Name, Version, Requires-Dist, Requires-Python, Provides-Extra).
import { readFile } from "node:fs/promises";
import { UserError } from "../errors.js";
import { listZip, readZipEntry, ZipError } from "./zip.js";

export interface DistMetadata {
  /** Name as written in METADATA (not normalised). */
  readonly name: string;
  readonly version: string;
  /** Requires-Dist values, one PEP 508 requirement each, in file order. */
  readonly requiresDist: readonly string[];
  readonly requiresPython?: string;
  readonly providesExtra: readonly string[];
}

/** Parses the header block (up to the first blank line): lowercase name → values; continuation lines are unfolded. */
export function parseMetadataHeaders(text: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  let last: { key: string; index: number } | undefined;
  for (const line of text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/)) {
    if (line === "") break;
    if (/^[ \t]/.test(line)) {
      // A folded header: RFC 822 says the line break and the indentation are one space.
      const values = last && headers.get(last.key);
      if (last && values) values[last.index] = `${values[last.index] ?? ""} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(key, values);
    last = { key, index: values.length - 1 };
  }
  return headers;
}

/** Reads the fields kiln needs from METADATA text; `source` names it in errors. */
export function parseMetadata(text: string, source: string): DistMetadata {
  const h = parseMetadataHeaders(text);
  const one = (key: string) => h.get(key)?.[0];
  const name = one("name");
  const version = one("version");
  if (!name || !version) {
    throw new UserError({ file: source, message: `METADATA has no ${name ? "Version" : "Name"} header; the wheel is broken: rebuild or re-download it` });
  }
  const requiresPython = one("requires-python");
  return {
    name,
    version,
    requiresDist: h.get("requires-dist") ?? [],
    ...(requiresPython ? { requiresPython } : {}),
    providesExtra: h.get("provides-extra") ?? [],
  };
}

/** Reads METADATA from wheel bytes (the one `<dist>-<version>.dist-info/METADATA` at the top level). */
export function readWheelMetadataFromBuffer(wheel: Buffer, source: string): DistMetadata {
  try {
    const found = listZip(wheel).filter((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.name));
    if (found.length !== 1) {
      const why = found.length ? `several METADATA files (${found.map((e) => e.name).join(", ")})` : "no *.dist-info/METADATA";
      throw new UserError({ file: source, message: `not a valid wheel: ${why}; rebuild or re-download it` });
    }
    return parseMetadata(readZipEntry(wheel, found[0] as (typeof found)[number]).toString("utf8"), source);
  } catch (e) {
    if (e instanceof ZipError) throw new UserError({ file: source, message: `not a valid wheel: ${e.message}; re-download it (kiln fetch)` }, { cause: e });
    throw e;
  }
}

/** Reads METADATA from a wheel file. */
export async function readWheelMetadata(path: string): Promise<DistMetadata> {
  return readWheelMetadataFromBuffer(await readFile(path), path);
}
