// Files written into a container's root filesystem from the host, through the Transport. The rootfs
// comes from a template: a symlink in it must never make kiln write outside it, so every write resolves
// the parent directory on the host and refuses one that leaves the root (absolute links resolve
// against the host's /, which is exactly what is refused). Many files go in one round trip: a remote
// command can cost a login shell's start-up.
import { ToolError } from "../../errors.js";
import { noControls } from "../config-safe.js";
import type { Transport } from "../types.js";

// Constant script; the files arrive as groups of four positional parameters: root, path inside it, octal
// mode, and source ("data:<base64>", "file:<host path>", either prefixed "if-dir:" to skip the file when
// its directory does not exist in the root). Never built by pasting values into it.
const WRITE_SCRIPT = [
  "set -eu",
  "tmp=",
  'trap \'if [ -n "$tmp" ]; then rm -f -- "$tmp"; fi\' EXIT',
  'while [ "$#" -ge 4 ]; do',
  '  root=$(realpath -e -- "$1"); rel=$2; mode=$3; src=$4; shift 4',
  '  dir=$(dirname -- "$rel")',
  '  case "$src" in if-dir:*) src=${src#if-dir:}; [ -d "$root/$dir" ] || continue;; esac',
  '  parent=$(realpath -e -- "$root/$dir")',
  '  case "$parent/" in "$root"/*) ;; *) echo "kiln: refusing to write $rel: its directory resolves outside $root (to $parent)" >&2; exit 3;; esac',
  '  f="$parent/$(basename -- "$rel")"',
  '  tmp="$parent/.kiln-tmp.$$"',
  '  case "$src" in',
  '    data:*) printf \'%s\' "${src#data:}" | base64 -d > "$tmp";;',
  '    file:*) cat -- "${src#file:}" > "$tmp";;',
  '    *) echo "kiln: bad source $src" >&2; exit 2;;',
  "  esac",
  '  chmod "$mode" "$tmp"',
  // rename(2) replaces a symlink at the target itself, never the file it points to; -T refuses a directory.
  '  mv -f -T -- "$tmp" "$f"; tmp=',
  "done",
].join("\n");

// Prints a file inside the root after the same containment check, or exits 4 when it does not exist.
const READ_SCRIPT = [
  "set -eu",
  'root=$(realpath -e -- "$1")',
  'f=$(realpath -m -- "$root/$2")',
  'case "$f" in "$root"/*) ;; *) echo "kiln: refusing to read $2: it resolves outside $1" >&2; exit 3;; esac',
  '[ -f "$f" ] || exit 4',
  'cat -- "$f"',
].join("\n");

/** One file to put in a root. */
export interface RootWrite {
  /** Absolute root directory on the host. */
  readonly root: string;
  /** Path inside the root, e.g. "etc/hostname". */
  readonly path: string;
  /** Octal mode, e.g. "0644". */
  readonly mode: string;
  /** The content, or… */
  readonly content?: string | Buffer;
  /** …a file already on the host to copy. */
  readonly from?: string;
  /** Skip the file when its directory does not exist in the root (e.g. /etc/ssh without openssh). */
  readonly ifDirExists?: boolean;
}

/** Arguments are one string on the remote side: keep each call well under Linux's 128 KiB per argument. */
const MAX_BATCH = 48 * 1024;

/** The four positional parameters of one write; names with a control character are refused (a bug upstream). */
function groupOf(w: RootWrite): string[] {
  const src = w.from !== undefined ? `file:${noControls("the source file", w.from)}` : `data:${Buffer.from(w.content ?? "").toString("base64")}`;
  return [noControls("the root", w.root), noControls("the path", w.path), noControls("the mode", w.mode), `${w.ifDirExists ? "if-dir:" : ""}${src}`];
}

/** Writes files into roots, in order, each atomically (temp name, then rename); few round trips. */
export async function writeRootFiles(t: Transport, writes: readonly RootWrite[]): Promise<void> {
  let batch: string[] = [];
  let size = 0;
  const flush = async () => {
    if (batch.length) await t.run(["sh", "-c", WRITE_SCRIPT, "sh", ...batch]);
    batch = [];
    size = 0;
  };
  for (const w of writes) {
    const g = groupOf(w);
    const n = g.reduce((s, x) => s + x.length, 0);
    if (size + n > MAX_BATCH) await flush();
    batch.push(...g);
    size += n;
  }
  await flush();
}

/** Writes one file inside a root. */
export async function writeRootFile(t: Transport, w: RootWrite): Promise<void> {
  await writeRootFiles(t, [w]);
}

/** Reads a file inside the root; undefined when it does not exist. */
export async function readRootFile(t: Transport, root: string, path: string): Promise<string | undefined> {
  const r = await t.run(["sh", "-c", READ_SCRIPT, "sh", root, path], { allowFailure: true });
  if (r.exitCode === 4) return undefined;
  if (r.exitCode !== 0) throw new ToolError(`reading ${path} in ${root}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return r.stdout;
}
