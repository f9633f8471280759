// The one place a command string is built: argv → a string that a POSIX shell on the remote side
// (sshd runs every command through the login shell) splits back into exactly the same argv.
import { ToolError } from "../../errors.js";
import { quoteInput } from "../../util/quote.js";

/**
 * Quotes one argument for a POSIX shell: wrapped in single quotes, inside which nothing is special
 * ($, `, \, ", newlines, globs); a single quote itself ends the quoting, is escaped, and reopens it.
 */
export function quoteArg(arg: string): string {
  // A NUL cannot travel in an argv at all; refusing it beats a silently truncated argument.
  if (arg.includes("\0")) throw new ToolError(`cannot pass an argument containing a NUL byte to a remote command: ${quoteInput(arg)}`);
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Quotes every argument and joins them with spaces: the remote shell's word splitting returns argv. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new ToolError("cannot quote an empty command");
  return argv.map(quoteArg).join(" ");
}
