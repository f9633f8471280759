// The shared value kinds: one wording per kind, sizes, and TOML syntax errors as problems.
import { expect, test } from "vitest";
import { isDocument, parseTomlDocument, problemAt } from "../../../src/toml-schema/document.js";
import { readTable, type TableSpec } from "../../../src/toml-schema/table.js";
import { enumProblem, integerProblem, parseSize, sizeProblem, unknownKeyMessage } from "../../../src/toml-schema/values.js";

test("integers: one wording for the type and for the range", () => {
  expect(integerProblem(5, { min: 1, max: 10 })).toBeUndefined();
  expect(integerProblem(10n, { min: 1, max: 10 })).toBeUndefined();
  expect(integerProblem("5", { min: 1, max: 10 })).toBe('must be an integer, got string "5"');
  expect(integerProblem(1.5)).toBe("must be an integer, got float 1.5");
  expect(integerProblem(0, { min: 1, max: 10 })).toBe("must be between 1 and 10, got 0");
  expect(integerProblem(-1, { min: 0 })).toBe("must be at least 0, got -1");
});

test("enums and unknown keys suggest the nearest allowed word", () => {
  expect(enumProblem("lxd", ["lxc", "proxmox"])).toBe('must be one of "lxc", "proxmox", got string "lxd"; did you mean "lxc"?');
  expect(unknownKeyMessage("stroe", ["store", "cache"], "in kiln.toml")).toBe(
    'unknown key "stroe" (allowed in kiln.toml: store, cache); did you mean "store"?',
  );
});

test("sizes: integer bytes or binary multiples", () => {
  expect(parseSize(4096)).toBe(4096);
  expect(parseSize("500M")).toBe(500 * 2 ** 20);
  expect(parseSize("8G")).toBe(8 * 2 ** 30);
  expect(parseSize("8GiB")).toBe(8 * 2 ** 30);
  expect(parseSize("1.5k")).toBe(1536);
  expect(parseSize("-1")).toBeUndefined();
  expect(parseSize(-1)).toBeUndefined();
  expect(parseSize("8 gigs")).toBeUndefined();
  expect(sizeProblem("lots")).toBe('must be a size such as "500M", "8G" or a number of bytes, got string "lots"');
});

test("a syntax error is a problem with line and column; keys are located, tables through their first child", () => {
  const bad = parseTomlDocument('a = 1\nb = "x\n', "/tmp/x.toml");
  expect(isDocument(bad)).toBe(false);
  expect(bad).toMatchObject({ file: "/tmp/x.toml", line: 2, message: expect.stringMatching(/^not valid TOML \(column \d+\): /) });
  const good = parseTomlDocument('top = 1\n\n[nodes.cam1]\nhost = "h"\n', "/tmp/y.toml");
  if (!isDocument(good)) throw new Error("expected a document");
  expect(problemAt(good, "nodes", "m").line).toBe(3);
  expect(problemAt(good, "nodes.cam1.host", "m").line).toBe(4);
});

test("readTable collects every problem, fills defaults and names the table in unknown-key messages", () => {
  const spec: TableSpec = {
    header: "[t]",
    description: "a table",
    fields: [
      { key: "n", kind: "int", min: 1, max: 3, default: 2, description: "a number" },
      { key: "s", kind: "string", required: true, description: "a string" },
      { key: "z", kind: "size", description: "a size" },
    ],
  };
  const out: { key: string; message: string }[] = [];
  const f = readTable({ table: { n: 9, zz: 1, z: "1K" }, spec, path: "t", out });
  expect(f).toEqual({ n: undefined, s: undefined, z: 1024 });
  expect(out).toEqual([
    { key: "t.zz", message: 'unknown key "zz" (allowed in [t]: n, s, z); did you mean "z"?' },
    { key: "t.n", message: "must be between 1 and 3, got 9" },
    { key: "t.s", message: "is required: a string" },
  ]);
  expect(readTable({ table: { s: "x" }, spec, path: "t", out: [] }).n).toBe(2);
});
