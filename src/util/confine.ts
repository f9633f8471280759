// Host files a recipe copies into an image must stay inside the recipe's own directory: no `..` out
// of it, no symlink in any component leading out of it, no symlink as the file itself. Checked when
// the recipe is loaded, and again on the open descriptor right before a bake copies the file, so a
// symlink swapped in between the two cannot redirect the copy to, say, the host's /etc/shadow.
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, realpathSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { quoteInput } from "./quote.js";
import { errnoCode } from "./thrown.js";

/** True when absolute path `p` is `dir` itself or lies below it. */
export function isInside(dir: string, p: string): boolean {
  const rel = relative(dir, p);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith("../"));
}

/** The real path of `p`, or undefined when it (or a symlink on the way) does not resolve. */
function realOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Why the absolute path `abs` is not a regular file inside `dir` (after resolving every symlink on
 * the way), or undefined when it is. `shown` is how the value was written, for the message.
 */
export function confinedFileProblem(dir: string, abs: string, shown: string): string | undefined {
  if (!isInside(dir, abs))
    return `${quoteInput(shown)} leads out of the recipe's directory ${quoteInput(dir)}: kiln copies only files inside it; move the file there`;
  const root = realOrUndefined(dir) ?? dir;
  const real = realOrUndefined(abs);
  if (real === undefined) return `no such file ${quoteInput(shown)} (looked for ${quoteInput(abs)})`;
  if (!isInside(root, real))
    return `${quoteInput(shown)} resolves through a symlink to ${quoteInput(real)}, outside the recipe's directory: copy the file into the project instead`;
  const st = lstatSync(abs);
  if (st.isSymbolicLink()) return `${quoteInput(shown)} is a symlink: kiln copies only regular files; put the file itself there`;
  return st.isFile() ? undefined : `${quoteInput(shown)} is not a regular file`;
}

/**
 * Opens `abs` for reading after checking it with confinedFileProblem(), without following a symlink
 * as the last component (O_NOFOLLOW), and checks again where the opened descriptor really is (Linux
 * /proc/self/fd): a parent directory swapped for a symlink after the check is caught here.
 * Returns the descriptor; throws Error(message) when the file is refused.
 */
export function openConfined(dir: string, abs: string, shown: string): number {
  const problem = confinedFileProblem(dir, abs, shown);
  if (problem) throw new Error(problem);
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO swapped in must not hang the bake; it is refused below as not a regular file.
    fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = errnoCode(e);
    throw new Error(
      code === "ELOOP" ? `${quoteInput(shown)} is a symlink: kiln copies only regular files` : `cannot open ${quoteInput(shown)} (${code ?? "error"})`,
    );
  }
  const opened = readlinkSync(`/proc/self/fd/${fd}`);
  const root = realOrUndefined(dir) ?? dir;
  const why = !fstatSync(fd).isFile()
    ? `${quoteInput(shown)} is not a regular file`
    : !isInside(root, opened)
      ? `${quoteInput(shown)} changed while being copied and now leads to ${quoteInput(opened)}, outside the recipe's directory`
      : undefined;
  if (why) {
    closeSync(fd);
    throw new Error(why);
  }
  return fd;
}
