// kiln's tar reader against GNU tar and bsdtar: for every template of the bad-template corpus that
// kiln reads (and for good templates kiln's packer writes), kiln's member list (names, types, link
// targets) equals what `tar -tv` and `bsdtar -tv` list, so `kiln check` judges exactly the names the
// real extractors see. Templates kiln refuses must be ones it has a reason to refuse (its message
// says so in the unit corpus test). Also: what both tools do with a directory entry over a symlink,
// and the built CLI's exit on bombs. Needs `tar`, `bsdtar` (scripts/install-deps.sh), `npx tsc`. Seconds.
import { lstat, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTemplate, memorySource, packTree } from "../../src/archive/index.js";
import { run } from "../../src/exec/run.js";
import { GOLDEN_EPOCH, goldenNodes } from "../unit/archive/golden-tree.js";
import { minimalTree } from "../unit/check/minimal-tree.js";
import { writeBadTemplates } from "../../fixtures/scripts/make-bad-templates.js";
import { END, dir as dirMember, file as fileMember, symlink as symlinkMember } from "../../fixtures/scripts/tar-bytes.js";

/** One listed member: type letter as `ls -l` shows it, name, link target. */
type Listed = readonly [type: string, name: string, link: string];

const TYPE_LETTER: Readonly<Record<string, string>> = { file: "-", dir: "d", symlink: "l", hardlink: "h", char: "c", block: "b", fifo: "p" };

let dir = "";
const templates: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-tar-diff-"));
  templates.push(...writeBadTemplates(join(dir, "corpus")).map((t) => t.path));
  for (const [name, nodes] of [
    ["golden", goldenNodes],
    ["minimal", minimalTree()],
  ] as const) {
    const out = join(dir, `${name}.tar`);
    await packTree(memorySource(nodes), { epoch: GOLDEN_EPOCH, compression: { kind: "none" }, out });
    templates.push(out);
  }
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Undoes the C-style escapes both tools print for unprintable bytes (\\, \n, \ooo). */
function unescapeName(s: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(s, "utf8");
  const simple: Readonly<Record<string, number>> = { "\\": 0x5c, n: 0x0a, t: 0x09, r: 0x0d, a: 0x07, b: 0x08, f: 0x0c, v: 0x0b };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as number;
    const next = String.fromCharCode(raw[i + 1] ?? 0);
    if (c === 0x5c && /[0-7]/.test(next)) {
      bytes.push(parseInt(raw.toString("latin1", i + 1, i + 4), 8));
      i += 3;
    } else if (c === 0x5c && simple[next] !== undefined) {
      bytes.push(simple[next] as number);
      i += 1;
    } else bytes.push(c);
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Splits "name -> target" / "name link to target" as `-tv` prints links. */
function splitLink(type: string, rest: string): Listed {
  const sep = type === "l" ? " -> " : type === "h" ? " link to " : undefined;
  const at = sep ? rest.indexOf(sep) : -1;
  return at === -1 ? [type, unescapeName(rest), ""] : [type, unescapeName(rest.slice(0, at)), unescapeName(rest.slice(at + (sep as string).length))];
}

/** GNU tar's listing: "-rw-r--r-- 0/0  5 2023-11-14 22:13 name". */
async function gnuList(file: string): Promise<Listed[] | undefined> {
  const r = await run(["tar", "--list", "--verbose", "--numeric-owner", "--quoting-style=escape", "-f", file], { allowFailure: true });
  if (r.exitCode !== 0) return undefined;
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S)\S{9} \d+\/\d+ +[\d,]+ \d{4}-\d\d-\d\d \d\d:\d\d (.*)$/.exec(l);
      if (!m?.[1] || m[2] === undefined) throw new Error(`unparsed GNU tar line: ${l}`);
      return splitLink(m[1] === "C" ? "-" : m[1], m[2]); // 'C': a contiguous file, extracted as a regular one
    });
}

/** bsdtar's listing: "-rw-r--r--  0 0      0           5 Nov 14 22:13 name". */
async function bsdList(file: string): Promise<Listed[] | undefined> {
  const r = await run(["bsdtar", "-tvf", file, "--numeric-owner"], { allowFailure: true });
  if (r.exitCode !== 0) return undefined;
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S)\S{9}\s+\d+\s+\d+\s+\d+\s+[\d, ]+?\s+\w{3}\s+\d+\s+(?:\d\d:\d\d|\d{4})\s(.*)$/.exec(l);
      if (!m?.[1] || m[2] === undefined) throw new Error(`unparsed bsdtar line: ${l}`);
      return splitLink(m[1], m[2]);
    });
}

/** kiln's listing, or undefined when kiln refuses the archive. */
async function kilnList(file: string): Promise<Listed[] | undefined> {
  try {
    const l = await listTemplate(file);
    return l.entries.map((e) => [TYPE_LETTER[e.type] ?? "?", e.name, e.linkTarget ?? ""] as const);
  } catch {
    return undefined;
  }
}

/** GNU tar drops a leading "/" and everything up to a last ".." component from names (and says so on stderr). */
function gnuSafe(name: string): string {
  const parts = name.split("/");
  const dots = parts.lastIndexOf("..");
  return (dots === -1 ? name : parts.slice(dots + 1).join("/")).replace(/^\/+/, "");
}

/** Names and hard link targets as GNU tar lists them. */
const gnuView = (l: readonly Listed[]): Listed[] => l.map(([t, n, k]) => [t, gnuSafe(n), t === "h" ? gnuSafe(k) : k]);

describe("kiln's reader lists what GNU tar and bsdtar list", () => {
  it("on every corpus template kiln reads, and on good templates kiln writes", async () => {
    let compared = 0;
    const refused: string[] = [];
    const mismatches: string[] = [];
    for (const file of templates) {
      const kiln = await kilnList(file);
      if (kiln === undefined) {
        refused.push(file);
        continue;
      }
      const [gnu, bsd] = await Promise.all([gnuList(file), bsdList(file)]);
      const diff = (tool: string, ours: readonly Listed[], theirs: readonly Listed[] | undefined) =>
        JSON.stringify(ours) === JSON.stringify(theirs)
          ? []
          : [
              `${tool} on ${basename(file)}:\n  kiln ${JSON.stringify(ours.filter((x) => !theirs?.some((y) => JSON.stringify(y) === JSON.stringify(x))))}\n  tool ${JSON.stringify(theirs?.filter((y) => !ours.some((x) => JSON.stringify(y) === JSON.stringify(x))) ?? "cannot list")}`,
            ];
      mismatches.push(...diff("GNU tar", gnuView(kiln), gnu && gnuView(gnu)), ...diff("bsdtar", kiln, bsd));
      compared++;
    }
    expect(mismatches.join("\n")).toBe("");
    expect(compared).toBeGreaterThanOrEqual(25);
    expect(refused.length).toBeGreaterThanOrEqual(30);
  });
});

describe("what the extractors do with a directory entry over a symlink (the model tar-safety assumes)", () => {
  it("GNU tar and bsdtar both replace the symlink by a directory and write below it", async () => {
    const archive = join(dir, "symlink-then-dir.tar");
    await writeFile(archive, Buffer.concat([dirMember("./real/"), symlinkMember("./link", "real"), dirMember("./link/"), fileMember("./link/f", "x"), END]));
    for (const tool of ["tar", "bsdtar"]) {
      const into = join(dir, `x-${tool}`);
      await mkdir(into);
      await run([tool, "-xf", archive, "-C", into]);
      expect((await lstat(join(into, "link"))).isDirectory(), tool).toBe(true);
      expect(await readdir(join(into, "link")), tool).toEqual(["f"]);
      expect(await readdir(join(into, "real")), tool).toEqual([]);
    }
  });
});

describe("`kiln check` (the built CLI) on bombs", () => {
  it("refuses a gzip'd pax bomb and GNU long-name bomb with exit 1 and the member's position, never an internal error", async () => {
    const cli = resolve(__dirname, "../../dist/src/main.js");
    for (const name of ["pax-bomb.tar.gz", "gnu-longname-bomb.tar.gz", "gnu-longname-bomb.tar"]) {
      const r = await run([process.execPath, cli, "--store", join(dir, "store"), "check", join(dir, "corpus", name)], { allowFailure: true });
      expect(r.exitCode, `${name}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stdout).toMatch(/member 18 \(header at byte 10240\): (pax extended header|GNU long name) of \d+ bytes, over the \d+-byte bound/);
    }
  });
});
