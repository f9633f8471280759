import { describe, expect, test } from "vitest";
import { escapeControls, quoteInput, quoteValue, safeLine } from "../../../src/util/quote.js";
import { formatProblem } from "../../../src/errors.js";

describe("quoteInput", () => {
  test("plain values are quoted as-is", () => {
    expect(quoteInput("numpy==1.26.4")).toBe('"numpy==1.26.4"');
  });
  test("terminal escapes, NUL, CR, DEL, C1 and bidi overrides are escaped", () => {
    const q = quoteInput("a\u001b[2J\u0000b\r\u007f\u009b\u202e");
    expect(q).toBe('"a\\x1b[2J\\x00b\\r\\x7f\\x9b\\u202e"');
    expect(q).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });
  test("quotes and backslashes cannot close the quoted value", () => {
    expect(quoteInput('a"b\\')).toBe('"a\\"b\\\\"');
  });
  test("a long value shows its start and its length, not the whole", () => {
    const q = quoteInput("9".repeat(400_000));
    expect(q.length).toBeLessThan(120);
    expect(q).toContain("(400000 characters)");
    expect(q.startsWith(`"${"9".repeat(80)}…"`)).toBe(true);
  });
  test("escapeControls keeps printable Unicode", () => {
    expect(escapeControls("µs ✓ ü")).toBe("µs ✓ ü");
  });
});

describe("quoteValue, safeLine and formatProblem", () => {
  test("quoteValue shows non-strings as JSON text, escaped and cut", () => {
    expect(quoteValue(2)).toBe("2");
    expect(quoteValue("x\u001b")).toBe('"x\\x1b"');
    expect(quoteValue({ a: "\u0000" })).toBe('{"a":"\\\\u0000"}');
    expect(quoteValue(["9".repeat(400_000)])).toMatch(/… \(400004 characters\)$/);
  });
  test("safeLine escapes controls but keeps newlines and backslashes", () => {
    expect(safeLine("a\u001b[2J\nb\\c\r")).toBe("a\\x1b[2J\nb\\c\\r");
  });
  test("formatProblem escapes and cuts file and key, and escapes a message that slipped by", () => {
    const line = formatProblem({ file: "f\u001b.toml", line: 3, key: `k${"\u0007".repeat(500)}`, message: "m\u001b[2J" });
    expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(line.length).toBeLessThan(300);
    expect(line.startsWith("f\\x1b.toml:3: k\\x07")).toBe(true);
    expect(line.endsWith(": m\\x1b[2J")).toBe(true);
  });
});
