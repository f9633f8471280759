// Loads a pinned requirements file from disk (includes read relative to the including file).
import { readFileSync, statSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { UserError } from "../errors.js";
import { sha256Hex } from "../util/hash.js";
import { parseRequirementsText, type ParseOptions } from "./parse.js";
import type { Requirements } from "./types.js";

/** Reads an included file, refusing anything but a regular file (see above). */
function readRegularFile(p: string): string {
  if (!statSync(p).isFile()) throw new Error("not a regular file");
  return readFileSync(p, "utf8");
}

/** Reads and checks `path`; throws UserError listing every problem as `file:line: message`. */
export async function loadRequirements(path: string, opts: ParseOptions = {}): Promise<Requirements> {
  let bytes: Buffer;
  try {
    // A FIFO or a device (/dev/zero) would hang the read or fill memory: only regular files are read.
    if (!(await stat(path)).isFile())
      throw new UserError({ file: path, message: "is not a regular file: name the pinned requirements file (pip-compile output)" });
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new UserError(
      { file: path, message: `cannot read the requirements file (${code}); check --requirements or the requirements path in the recipe or kiln.toml` },
      { cause: e },
    );
  }
  // Includes are small text files; reading them synchronously keeps the parser a pure function of text.
  const parsed = parseRequirementsText(bytes.toString("utf8"), path, readRegularFile, opts);
  // The lock records the digest of the bytes on disk, whatever their encoding.
  return { ...parsed, sha256: sha256Hex(bytes) };
}
