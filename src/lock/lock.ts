// The lock file: canonical JSON (sorted keys, two-space indent, trailing newline; entries sorted by
// name), parsed with every problem reported at once, written atomically and only when its bytes change,
// and refused when it was made from a different recipe or requirements file.
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Problem, UserError } from "../errors.js";
import { displayPath } from "../util/display-path.js";
import { canonicalJson } from "../util/canonical-json.js";
import { writeFileAtomic } from "../util/fs.js";
import { sha256Hex } from "../util/hash.js";
import { isLock } from "./validate.js";
import type { Lock } from "./types.js";
import { errnoCode, messageOf } from "../util/thrown.js";

/** Orders entries by name, then by the other fields that can tell two of them apart (a deb's arch). */
function byName<T extends { readonly name: string }>(items: readonly T[], tie: (x: T) => string = () => ""): T[] {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...items].sort((a, b) => cmp(a.name, b.name) || cmp(tie(a), tie(b)));
}

/** The canonical bytes of a lock: equal locks give equal text. */
export function serializeLock(lock: Lock): string {
  return canonicalJson({
    ...lock,
    debs: byName(lock.debs, (d) => `${d.arch}\0${d.version}`),
    wheels: byName(lock.wheels, (w) => w.file),
    checkouts: byName(lock.checkouts),
  });
}

/** sha256 (hex) of the lock's canonical bytes. */
export function lockDigest(lock: Lock): string {
  return sha256Hex(serializeLock(lock));
}

/** Parses lock text; `file` is only used in messages. Throws UserError listing every problem. */
export function parseLock(text: string, file: string): Lock {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec(messageOf(e))?.[1];
    const line = pos === undefined ? undefined : text.slice(0, Number(pos)).split("\n").length;
    throw new UserError({ file: displayPath(file), line, message: `not valid JSON (${messageOf(e)}): run kiln lock to write it again` });
  }
  const problems: Problem[] = [];
  if (!isLock(value, problems))
    throw new UserError(
      problems.map((p) => ({ file: displayPath(file), ...p })),
      { hint: "the lock is written by kiln lock: run it again rather than editing the lock" },
    );
  return value;
}

/** Reads and parses a lock file; a missing lock says to run `kiln lock`. */
export async function readLock(path: string): Promise<Lock> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") throw new UserError({ file: displayPath(path), message: "no lock file: run kiln lock to resolve the recipe and write it" });
    throw e;
  }
  return parseLock(text, path);
}

/** Writes a lock atomically; leaves the file alone when its bytes would not change. Returns true if written. */
export async function writeLock(path: string, lock: Lock): Promise<boolean> {
  const text = serializeLock(lock);
  const old = await readFile(path, "utf8").catch(() => undefined);
  if (old === text) return false;
  await writeFileAtomic(path, text);
  return true;
}

/** The lock that belongs to a recipe: `recipes/cam-node.toml` → `recipes/cam-node.lock.json`. */
export function lockPathFor(recipePath: string): string {
  return join(dirname(recipePath), `${basename(recipePath).replace(/\.toml$/, "")}.lock.json`);
}

/** First 12 hex of a digest, for messages. */
function short(hex: string | null): string {
  return hex === null ? "none" : `${hex.slice(0, 12)}…`;
}

/** Refuses a lock made from another recipe or requirements file, with the fix in the message. */
export function assertFresh(
  lock: Lock,
  current: { readonly recipeSha256: string; readonly requirementsSha256: string | null; readonly lockFile: string },
): void {
  const diffs: string[] = [];
  if (lock.recipeSha256 !== current.recipeSha256) diffs.push(`recipe sha256 ${short(lock.recipeSha256)} ≠ ${short(current.recipeSha256)}`);
  if (lock.requirementsSha256 !== current.requirementsSha256)
    diffs.push(`requirements sha256 ${short(lock.requirementsSha256)} ≠ ${short(current.requirementsSha256)}`);
  if (!diffs.length) return;
  const what = diffs.length === 2 ? "recipe and requirements" : diffs[0]?.startsWith("recipe") ? "recipe" : "requirements";
  throw new UserError({ message: `lock ${displayPath(current.lockFile)} was made from a different ${what} (${diffs.join("; ")}): run kiln lock` });
}
