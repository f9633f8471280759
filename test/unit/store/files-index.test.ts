import { describe, expect, it } from "vitest";
import { formatIndex, parseIndex } from "../../../src/store/files-index.js";
import type { IndexEntry } from "../../../src/archive/index.js";

describe("files.tsv", () => {
  it("round-trips paths and link targets with tabs, newlines and backslashes", () => {
    const entries: IndexEntry[] = [
      { path: ".", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, digest: "" },
      { path: "a\tb\\n\nc\r", type: "file", mode: 0o4755, uid: 1000, gid: 100, size: 3, digest: "f".repeat(64) },
      { path: "link", type: "symlink", mode: 0o777, uid: 0, gid: 0, size: 0, digest: "../tab\there" },
    ];
    const text = formatIndex(entries);
    expect(text.split("\n")).toHaveLength(5);
    expect(text).toContain("a\\tb\\\\n\\nc\\r\tfile\t4755\t1000\t100\t3\t");
    expect(parseIndex(text, "files.tsv")).toEqual(entries);
  });

  it("names a damaged line", () => {
    expect(() => parseIndex("# header\nx\tfile\t644\n", "/s/files.tsv")).toThrow("/s/files.tsv:2: not a valid files.tsv line");
  });
});
