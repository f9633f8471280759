// The deploy journal: append-only JSON lines next to the inventory (`<inventory>.journal.jsonl`).
// Each line is written with one write() on an O_APPEND descriptor and fsynced before the step it records
// is considered done, so after a crash the journal never claims more than happened. A kill -9 in the
// middle of a write can leave a torn last line: readers ignore it with a warning, and the next writer
// cuts it off before appending so it never ends up in the middle of the file.
import { open, readFile, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { UserError } from "../errors.js";
import { warn } from "../log.js";
import { displayPath } from "../util/display-path.js";
import { fsyncPath } from "../util/fs.js";
import type { JournalEntry } from "./types.js";

const EVENTS: ReadonlySet<string> = new Set<JournalEntry["event"]>([
  "begin",
  "creating",
  "created",
  "stopped-old",
  "started-new",
  "healthy",
  "reverted",
  "failed",
  "done",
]);

/** Where the journal of the inventory at `inventoryPath` lives. */
export function journalPathFor(inventoryPath: string): string {
  return `${inventoryPath}.journal.jsonl`;
}

/** True when a parsed line has the shape of a journal entry. */
function isEntry(v: unknown): v is JournalEntry {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.time === "string" &&
    typeof e.deploy === "string" &&
    typeof e.node === "string" &&
    typeof e.image === "string" &&
    typeof e.event === "string" &&
    EVENTS.has(e.event)
  );
}

/** Parses journal text, oldest entry first. A bad last line is torn (ignored, reported); a bad line before it is corruption. */
export function parseJournal(text: string, file: string): { readonly entries: readonly JournalEntry[]; readonly torn?: string } {
  const lines = text.split("\n");
  // A complete file ends with "\n", so the last element is "" unless the final write was cut short.
  const last = lines.pop() ?? "";
  const entries: JournalEntry[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const e = tryParse(line);
    if (!e)
      throw new UserError({
        file: displayPath(file),
        line: i + 1,
        message: "not a journal entry (the journal was edited or damaged): repair or delete this line, then run kiln status to see the hosts' real state",
      });
    entries.push(e);
  });
  if (last.trim() === "") return { entries };
  const e = tryParse(last);
  // A last line that parses but lacks its "\n" was written whole; only the newline is missing.
  return e ? { entries: [...entries, e] } : { entries, torn: last };
}

/** One parsed entry, or undefined. */
function tryParse(line: string): JournalEntry | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return isEntry(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the journal (oldest first); a missing journal is empty. Warns about a torn last line. */
export async function readJournal(path: string): Promise<readonly JournalEntry[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const { entries, torn } = parseJournal(text, path);
  if (torn !== undefined) warn(`${displayPath(path)}: ignoring an incomplete last line (a kiln run was killed while writing it): ${torn.slice(0, 80)}`);
  return entries;
}

/** The journal newest first, as `kiln history` shows it. */
export function newestFirst(entries: readonly JournalEntry[]): readonly JournalEntry[] {
  return [...entries].reverse();
}

/** Appends entries one fsynced line at a time; appends from parallel node tasks are serialized. */
export class JournalWriter {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly fh: FileHandle,
    private readonly now: () => Date,
  ) {}

  /** Opens (creating) the journal for appending, first cutting off a torn last line. */
  static async open(path: string, o: { readonly now?: () => Date } = {}): Promise<JournalWriter> {
    await cutTornTail(path);
    const fh = await open(path, "a", 0o644);
    await fh.sync();
    await fsyncPath(dirname(path));
    return new JournalWriter(fh, o.now ?? (() => new Date()));
  }

  /** Appends one entry (stamped with the time) and returns once it is on disk. */
  append(entry: Omit<JournalEntry, "time">): Promise<JournalEntry> {
    const full: JournalEntry = { time: this.now().toISOString(), ...entry };
    const line = Buffer.from(`${JSON.stringify(full)}\n`, "utf8");
    const done = this.queue.then(async () => {
      await this.fh.write(line);
      await this.fh.sync();
    });
    this.queue = done.catch(() => undefined);
    return done.then(() => full);
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    await this.queue;
    await this.fh.close();
  }
}

/** Truncates the journal after its last "\n" when the final line is torn (a write killed half-way). */
async function cutTornTail(path: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r+");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) return;
    const text = (await fh.readFile()).toString("utf8");
    if (text.endsWith("\n")) return;
    const keep = text.lastIndexOf("\n") + 1;
    const tail = text.slice(keep);
    if (tryParse(tail)) {
      // A whole entry that only lacks its newline: complete it instead of dropping it.
      await fh.write("\n", size);
    } else {
      warn(`${displayPath(path)}: removing an incomplete last line left by a killed kiln run: ${tail.slice(0, 80)}`);
      await fh.truncate(Buffer.byteLength(text.slice(0, keep), "utf8"));
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}
