// The journal: fsynced JSON lines, a torn last line ignored (reader) and cut off (writer), corruption
// elsewhere refused, and a writer SIGKILLed at a random moment leaves a readable journal.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { JournalWriter, journalPathFor, newestFirst, parseJournal, readJournal } from "../../../src/deploy/journal.js";
import { UserError } from "../../../src/errors.js";
import { pipedFailure, spawnPiped } from "../../../src/exec/run.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-journal-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const IMG = `sha256:${"a".repeat(64)}`;
const entry = (node: string, event: "begin" | "done" = "begin") => ({ deploy: "d1", node, event, image: IMG });

describe("journal", () => {
  it("lives next to the inventory", () => {
    expect(journalPathFor("/srv/site.toml")).toBe("/srv/site.toml.journal.jsonl");
  });

  it("appends one JSON line per entry, stamped, in order, even from parallel appends", async () => {
    const path = join(tmp, "order.jsonl");
    let t = 0;
    const w = await JournalWriter.open(path, { now: () => new Date(1_700_000_000_000 + 1000 * t++) });
    await Promise.all(["a", "b", "c", "d"].map((n) => w.append(entry(n))));
    await w.append({ ...entry("a", "done"), downtimeMs: 1234 });
    await w.close();
    const text = await readFile(path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { node: string; time: string; downtimeMs?: number });
    expect(lines.map((l) => l.node)).toEqual(["a", "b", "c", "d", "a"]);
    expect(lines[0]?.time).toBe("2023-11-14T22:13:20.000Z");
    expect(lines[4]?.downtimeMs).toBe(1234);
    const read = await readJournal(path);
    expect(read).toHaveLength(5);
    expect(newestFirst(read).map((e) => e.event)).toEqual(["done", "begin", "begin", "begin", "begin"]);
  });

  it("a missing journal is empty", async () => {
    expect(await readJournal(join(tmp, "none.jsonl"))).toEqual([]);
  });

  it("reader: ignores a torn last line with a warning", async () => {
    const path = join(tmp, "torn.jsonl");
    const good = JSON.stringify({ time: "t", ...entry("a") });
    await writeFile(path, `${good}\n${good.slice(0, 40)}`);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await readJournal(path)).toHaveLength(1);
      expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toMatch(/warning: .*torn\.jsonl: ignoring an incomplete last line/);
    } finally {
      stderr.mockRestore();
    }
  });

  it("writer: cuts the torn tail before appending, so it never ends up mid-file", async () => {
    const path = join(tmp, "cut.jsonl");
    const good = JSON.stringify({ time: "t", ...entry("a") });
    await writeFile(path, `${good}\n{"time":"t","dep`);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const w = await JournalWriter.open(path);
      await w.append(entry("b"));
      await w.close();
    } finally {
      stderr.mockRestore();
    }
    const read = await readJournal(path);
    expect(read.map((e) => e.node)).toEqual(["a", "b"]);
  });

  it("writer: a whole last entry that only lacks its newline is kept", async () => {
    const path = join(tmp, "nonl.jsonl");
    await writeFile(path, JSON.stringify({ time: "t", ...entry("a") }));
    const w = await JournalWriter.open(path);
    await w.append(entry("b"));
    await w.close();
    expect((await readJournal(path)).map((e) => e.node)).toEqual(["a", "b"]);
  });

  it("a damaged line before the last is refused with its line number", () => {
    const good = JSON.stringify({ time: "t", ...entry("a") });
    const err = (() => {
      try {
        parseJournal(`${good}\nnot json\n${good}\n`, resolve(tmp, "x.jsonl"));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).problems[0]).toMatchObject({ line: 2 });
    // A line that is JSON but not an entry (unknown event) counts as damage too.
    expect(() => parseJournal(`${JSON.stringify({ ...JSON.parse(good), event: "exploded" })}\n${good}\n`, "x")).toThrow(UserError);
  });

  it("a writer SIGKILLed mid-stream leaves a journal that reads (at most the last line lost)", async () => {
    const path = join(tmp, "killed.jsonl");
    const root = resolve(__dirname, "../../..");
    const child = spawnPiped([process.execPath, join(__dirname, "journal-child.mjs"), root, path], { cwd: root });
    const ended = child.then(
      () => "exited",
      (e: unknown) => pipedFailure(e).signal,
    );
    await new Promise<void>((res) => (child.stdout as Readable).on("data", (d: Buffer) => d.toString().includes("writing") && res()));
    child.kill("SIGKILL");
    expect(await ended).toBe("SIGKILL");
    const text = await readFile(path, "utf8");
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    let read: Awaited<ReturnType<typeof readJournal>>;
    try {
      read = await readJournal(path);
    } finally {
      stderr.mockRestore();
    }
    const complete = text.split("\n").length - 1;
    expect(read.length).toBeGreaterThanOrEqual(21);
    expect(read.length).toBe(complete);
    expect(read.map((e) => e.node)).toEqual(read.map((_, i) => `n${i}`));
    // The next writer continues a clean file.
    const w = await JournalWriter.open(path);
    await w.append(entry("after"));
    await w.close();
    const again = await readJournal(path);
    expect(again[again.length - 1]?.node).toBe("after");
    expect(again.length).toBe(read.length + 1);
  }, 30_000);
});
