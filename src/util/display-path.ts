// How a file path appears in messages.
import { isAbsolute, relative } from "node:path";

/** A path for messages: relative to the working directory when it is inside it, absolute otherwise. */
export function displayPath(abs: string, cwd = process.cwd()): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs;
}
