import { describe, expect, test } from "vitest";
import { escapeControls, quoteInput } from "../../../src/util/quote.js";

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
