import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, test, vi } from "vitest";
import { validate, type ValidateResult } from "../../../src/cli/validate.js";
import { UserError, formatProblem } from "../../../src/errors.js";
import { lockPathFor, writeLock } from "../../../src/lock/lock.js";
import type { Lock } from "../../../src/lock/types.js";
import { MIN, tempDir, writeFiles } from "../recipe/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let n = 0;
const home = process.cwd();
beforeAll(async () => ({ dir, cleanup } = await tempDir("validate")));
afterAll(() => cleanup());
afterEach(() => {
  process.chdir(home);
  vi.restoreAllMocks();
});

const PINS = join(home, "fixtures/python/pinned.txt");
const PY = `${MIN}\n[python]\nvenv = "/opt/v"\nrequirements = "pinned.txt"\n`;

/** Runs validate with --json and returns what it printed. */
async function validateJson(opts: { recipe?: string; requirements?: string }): Promise<ValidateResult> {
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  await validate({ ...opts, json: true });
  vi.restoreAllMocks();
  return JSON.parse(out) as ValidateResult;
}

/** The formatted problems validate reports. */
async function problemsOf(opts: { recipe?: string; requirements?: string }): Promise<string[]> {
  const err = await validate(opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return (err as UserError).problems.map(formatProblem);
}

/** A fresh case directory with `files`; returns it. */
async function caseDir(files: Record<string, string>): Promise<string> {
  const d = join(dir, `case${n++}`);
  await writeFiles(d, files);
  return d;
}

test("the committed cam-node recipe and its pins validate", async () => {
  const r = await validateJson({ recipe: "recipes/cam-node.toml" });
  expect(r).toMatchObject({ ok: true, recipe: "recipes/cam-node.toml", image: { name: "cam-node" }, requirements: "fixtures/python/pinned.txt", checkouts: 2 });
  expect(r.pins).toBeGreaterThan(3);
  expect(r.recipeSha256).toMatch(/^[0-9a-f]{64}$/);
  expect(r.requirementsSha256).toMatch(/^[0-9a-f]{64}$/);
});

test("the human summary names the image and the counts", async () => {
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  await validate({ recipe: "recipes/toy-kat.toml" });
  expect(out).toMatch(/^ok: recipes\/toy-kat\.toml \(extends recipes\/cam-node\.toml\)\n/);
  expect(out).toMatch(/\n {2}image {6}toy-kat 1\.0\.0 \(debian, amd64\)\n/);
  expect(out).toMatch(/\n {2}checkouts {2}katpkg \(svn\), devsim \(git\)\n/);
});

test("no recipe anywhere is bad input that says how to name one", async () => {
  process.chdir(await caseDir({ "empty.txt": "" }));
  await expect(validate({})).rejects.toThrow(new UserError("no recipe: pass --recipe or set recipe in kiln.toml"));
});

test("kiln.toml supplies the recipe; --requirements overrides the recipe's", async () => {
  const d = await caseDir({ "kiln.toml": 'recipe = "r.toml"\n', "r.toml": PY.replace("pinned.txt", "absent.txt") });
  await copyFile(PINS, join(d, "other.txt"));
  process.chdir(d);
  const r = await validateJson({ requirements: "other.txt" });
  expect(r).toMatchObject({ recipe: "r.toml", requirements: "other.txt", lock: { file: "r.lock.json", state: "missing" } });
});

test("problems in the recipe and the requirements come back together", async () => {
  const d = await caseDir({ "r.toml": PY.replace('name = "x"', 'name = "X"'), "pinned.txt": "requests>=2\nkatcp-lite==0.3.1\n" });
  process.chdir(d);
  expect(await problemsOf({ recipe: "r.toml", requirements: "pinned.txt" })).toEqual([
    expect.stringMatching(/^r\.toml:2: image\.name: must be an image name/),
    "pinned.txt:1: requests>=2 is not an exact pin: pin an exact version with == (pip-compile writes these)",
  ]);
});

test("a missing requirements file is reported at the recipe line that names it", async () => {
  process.chdir(await caseDir({ "r.toml": PY }));
  expect(await problemsOf({ recipe: "r.toml" })).toEqual([
    "r.toml:10: python.requirements: no such requirements file pinned.txt: create it with pip-compile, or pass --requirements",
  ]);
});

test("requirements without a [python] section, and [python] without requirements", async () => {
  process.chdir(await caseDir({ "r.toml": MIN, "py.toml": `${MIN}\n[python]\nvenv = "/opt/v"\n` }));
  expect(await problemsOf({ recipe: "r.toml", requirements: PINS })).toEqual([
    expect.stringMatching(/^r\.toml: python: requirements .*pinned\.txt were given .* but the recipe has no \[python\] venv to install them into$/),
  ]);
  expect(await problemsOf({ recipe: "py.toml" })).toEqual([
    'py.toml:8: python: [python] needs pinned requirements: set requirements = "pinned.txt" or pass --requirements (or empty = true for a venv meant to stay empty)',
  ]);
});

test("a venv whose requirements pin nothing is refused unless [python] says empty = true", async () => {
  const EMPTY = PY.replace('requirements = "pinned.txt"', 'requirements = "pinned.txt"\nempty = true');
  process.chdir(
    await caseDir({ "r.toml": PY, "e.toml": EMPTY, "n.toml": `${MIN}\n[python]\nvenv = "/opt/v"\nempty = true\n`, "pinned.txt": "# only a comment\n" }),
  );
  expect(await problemsOf({ recipe: "r.toml" })).toEqual([
    'r.toml:10: python.requirements: pinned.txt: it pins no package, so the venv "/opt/v" would be empty: pass the pip-compile output, or set empty = true in [python] if the venv is meant to stay empty',
  ]);
  expect((await validateJson({ recipe: "e.toml" })).pins).toBe(0);
  expect((await validateJson({ recipe: "n.toml" })).requirements).toBeNull();
  // empty = true with real pins is a contradiction.
  expect(await problemsOf({ recipe: "e.toml", requirements: PINS })).toEqual([
    expect.stringMatching(/^e\.toml:11: python\.empty: empty = true, but .*pinned\.txt pins \d+ package\(s\) for the venv: remove empty = true, or the pins$/),
  ]);
});

test("requirements whose pins all have false markers count as empty", async () => {
  const pin = `tomli==2.0.1 ; python_version < "3.0" --hash=sha256:${"a".repeat(64)}\n`;
  process.chdir(await caseDir({ "r.toml": PY, "pinned.txt": pin }));
  expect(await problemsOf({ recipe: "r.toml" })).toEqual([
    expect.stringContaining("python.requirements: pinned.txt: none of its 1 pin(s) applies to the target (markers)"),
  ]);
});

test("reports whether the lock is fresh or stale", async () => {
  const d = await caseDir({ "r.toml": PY });
  await copyFile(PINS, join(d, "pinned.txt"));
  process.chdir(d);
  const first = await validateJson({ recipe: "r.toml" });
  expect(first.lock).toEqual({ file: "r.lock.json", state: "missing" });
  const lock: Lock = {
    lockVersion: 1,
    base: { suite: "bookworm", variant: "minbase", arch: "amd64" },
    sourceDateEpoch: 0,
    recipeSha256: first.recipeSha256,
    requirementsSha256: first.requirementsSha256,
    debs: [],
    wheels: [],
    checkouts: [],
  };
  await writeLock(lockPathFor(join(d, "r.toml")), lock);
  expect((await validateJson({ recipe: "r.toml" })).lock.state).toBe("fresh");
  await writeLock(lockPathFor(join(d, "r.toml")), { ...lock, recipeSha256: "0".repeat(64) });
  expect((await validateJson({ recipe: "r.toml" })).lock.state).toBe("stale");
});
