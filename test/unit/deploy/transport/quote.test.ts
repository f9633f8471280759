// quoteArgv against real shells: the quoted string, run by /bin/sh (dash) and bash as sshd would run it,
// must give back exactly the argv it was made from, whatever the arguments hold.
import { describe, expect, it } from "vitest";
import { run } from "../../../../src/exec/run.js";
import { quoteArg, quoteArgv } from "../../../../src/deploy/transport/quote.js";

// Prints each argument NUL-terminated; the script itself also travels through quoteArgv.
const PRINT = ["sh", "-c", 'for a; do printf "%s\\0" "$a"; done', "sh"];

/** The argv a shell sees after word-splitting the quoted command line. */
async function roundTrip(shell: string, args: readonly string[]): Promise<string[]> {
  const r = await run([shell, "-c", quoteArgv([...PRINT, ...args])]);
  return r.stdout.split("\0").slice(0, -1);
}

const NASTY = [
  "",
  " ",
  "'",
  "''",
  "it's",
  "'\\''",
  '"',
  '"$HOME"',
  "$HOME",
  "${PATH}",
  "$(touch /tmp/kiln-quote-pwned)",
  "`touch /tmp/kiln-quote-pwned`",
  "a\nb",
  "\n",
  "tab\there",
  "back\\slash\\",
  "-n",
  "--",
  "-e",
  "*",
  "?",
  "[a-z]*",
  "~",
  "~root",
  "a;b",
  "a|b",
  "a&&b",
  "a>b",
  "<in",
  "#comment",
  "!bang",
  "!!",
  "héllo wörld ✓",
  "\u00a0nbsp",
  "\x01\x7f",
  "=",
  "a=b c",
  "{a,b}",
];

describe("quoteArgv", () => {
  it("wraps every argument in single quotes and escapes single quotes", () => {
    expect(quoteArgv(["ls", "-l", "a b"])).toBe("'ls' '-l' 'a b'");
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteArg("")).toBe("''");
  });

  it("refuses NUL bytes and an empty command", () => {
    expect(() => quoteArg("a\0b")).toThrow(/NUL/);
    expect(() => quoteArgv([])).toThrow(/empty/);
  });

  for (const shell of ["/bin/sh", "/bin/bash"]) {
    it(`round-trips hostile arguments through ${shell} -c`, async () => {
      expect(await roundTrip(shell, NASTY)).toEqual(NASTY);
      for (const a of NASTY) expect(await roundTrip(shell, [a])).toEqual([a]);
    });
  }

  it("round-trips random strings of shell metacharacters", async () => {
    const alphabet = [
      "'",
      '"',
      "\\",
      "$",
      "`",
      "\n",
      " ",
      "\t",
      "*",
      "?",
      "[",
      "]",
      "{",
      "}",
      "(",
      ")",
      ";",
      "&",
      "|",
      "<",
      ">",
      "!",
      "#",
      "~",
      "-",
      "=",
      "a",
      "%",
      "é",
    ];
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const args = Array.from({ length: 60 }, () => Array.from({ length: rand(12) }, () => alphabet[rand(alphabet.length)]).join(""));
    expect(await roundTrip("/bin/sh", args)).toEqual(args);
  });

  it("keeps a leading dash as the program name's argument, not an option of the shell", async () => {
    const r = await run(["/bin/sh", "-c", quoteArgv(["printf", "%s|", "-x", "--version"])]);
    expect(r.stdout).toBe("-x|--version|");
  });
});
