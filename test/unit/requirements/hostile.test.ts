// A requirements file is input: terminal escapes (ESC, NUL, CR, bidi overrides) in it must reach the
// user's terminal escaped, and a huge value must not turn one error into a huge message.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { loadRequirements } from "../../../src/requirements/index.js";
import { tempDir } from "../recipe/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir("req-hostile")));
afterAll(() => cleanup());

const H = "a".repeat(64);
/** Any control character but the newline that separates problems, and the bidi overrides. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** The error message loading `text` as a requirements file gives (fails if it loads). */
async function messageFor(text: string): Promise<string> {
  const file = join(dir, `r${Math.random().toString(36).slice(2)}.txt`);
  await writeFile(file, text);
  const e = await loadRequirements(file).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  return (e as UserError).message;
}

describe("hostile requirements input", () => {
  it.each([
    ["ESC in a name", `evil\u001b[2J\u001b[H==1.0 --hash=sha256:${H}\n`],
    ["NUL in a version", `pkg==1.0\u0000 --hash=sha256:${H}\n`],
    ["CR inside an option", `pkg==1.0 --hash=sha256:${H} --foo\u001b]0;owned\u0007\rx\n`],
    ["escape in a marker", `pkg==1.0 ; python_version \u001b[31m>= "3" --hash=sha256:${H}\n`],
    ["escape in an include", `-r \u001b[2Jother.txt\n`],
    ["escape in a URL pin", `pkg @ https://h.invalid/\u001b[2J.whl\n`],
    ["bidi override in a hash", `pkg==1.0 --hash=sha256:\u202e${H}\n`],
  ])("%s is shown escaped", async (_what, text) => {
    const msg = await messageFor(text);
    expect(msg).not.toMatch(CONTROL);
    expect(msg).toMatch(/\\x1b|\\x00|\\u202e|\\x07/);
  });

  it("only regular files are read: a device (or a FIFO) as the file or as an include is refused", async () => {
    const e = await loadRequirements("/dev/null").then(
      () => undefined,
      (x: unknown) => x,
    );
    expect((e as UserError).message).toBe("/dev/null: is not a regular file: name the pinned requirements file (pip-compile output)");
    expect(await messageFor("-r /dev/null\n")).toMatch(/:1: -r "\/dev\/null": cannot read "\/dev\/null" \("not a regular file"\)$/);
  });

  it("a 400 KB version gives a message under 2 KB that says how long the value was", async () => {
    const msg = await messageFor(`pkg==1.0${"9.".repeat(200_000)}x --hash=sha256:${H}\n`);
    expect(msg.length).toBeLessThan(2048);
    expect(msg).toMatch(/\(\d{6} characters\)/);
  });
});
