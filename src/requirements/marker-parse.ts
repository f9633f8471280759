// PEP 508 environment markers: the syntax tree and a parser following packaging's grammar
// (`python_version >= "3.8" and (sys_platform == "linux" or extra == "socks")`).
import { quoteInput } from "../util/quote.js";

/** The variables PEP 508 defines (dotted legacy spellings are mapped onto these). */
export const MARKER_VARIABLES = [
  "python_version",
  "python_full_version",
  "os_name",
  "sys_platform",
  "platform_release",
  "platform_system",
  "platform_version",
  "platform_machine",
  "platform_python_implementation",
  "implementation_name",
  "implementation_version",
  "extra",
] as const;
export type MarkerVariable = (typeof MARKER_VARIABLES)[number];

export type MarkerOp = "===" | "==" | "~=" | "!=" | "<=" | ">=" | "<" | ">" | "in" | "not in";

/** One side of a comparison: a variable or a quoted string. */
export type MarkerOperand = { readonly kind: "var"; readonly name: MarkerVariable } | { readonly kind: "str"; readonly value: string };

/** A parsed marker: comparisons combined with and/or ("and" binds tighter, as in PEP 508). */
export type MarkerNode =
  | { readonly kind: "cmp"; readonly left: MarkerOperand; readonly op: MarkerOp; readonly right: MarkerOperand }
  | { readonly kind: "and" | "or"; readonly items: readonly MarkerNode[] };

/** Thrown for marker text that does not parse (packaging's InvalidMarker). */
export class InvalidMarker extends Error {
  constructor(message: string, text: string, position: number) {
    super(`invalid marker: ${message} at column ${position + 1} of ${quoteInput(text)}`);
    this.name = "InvalidMarker";
  }
}

// Token patterns, sticky so they match only at the current position; the same as packaging's tokenizer.
const RULES = {
  ws: /[ \t]+/y,
  lparen: /\(/y,
  rparen: /\)/y,
  string: /'[^']*'|"[^"]*"/y,
  op: /===|==|~=|!=|<=|>=|<|>/y,
  boolop: /\b(?:or|and)\b/y,
  in: /\bin\b/y,
  not: /\bnot\b/y,
  variable:
    /\b(?:python_version|python_full_version|os[._]name|sys[._]platform|platform_(?:release|system)|platform[._](?:version|machine|python_implementation)|python_implementation|implementation_(?:name|version)|extra)\b/y,
} as const;

/** A recursive-descent parser over one marker string. */
class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  /** Returns the token of `rule` at the current position and moves past it, or undefined. */
  take(rule: keyof typeof RULES): string | undefined {
    const re = RULES[rule];
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  /** Throws InvalidMarker at the current position. */
  fail(message: string): never {
    throw new InvalidMarker(message, this.text, this.pos);
  }

  /** marker = atom (("and" | "or") atom)* — grouped so that "and" binds tighter than "or". */
  marker(): MarkerNode {
    const ors: MarkerNode[][] = [[this.atom()]];
    for (let op = this.take("boolop"); op; op = this.take("boolop")) {
      if (op === "or") ors.push([]);
      (ors[ors.length - 1] as MarkerNode[]).push(this.atom());
    }
    const ands = ors.map((items): MarkerNode => (items.length === 1 ? (items[0] as MarkerNode) : { kind: "and", items }));
    return ands.length === 1 ? (ands[0] as MarkerNode) : { kind: "or", items: ands };
  }

  /** atom = "(" marker ")" | comparison, with optional blanks around. */
  atom(): MarkerNode {
    this.take("ws");
    let node: MarkerNode;
    if (this.take("lparen")) {
      this.take("ws");
      node = this.marker();
      this.take("ws");
      if (!this.take("rparen")) this.fail("expected closing )");
    } else {
      node = this.comparison();
    }
    this.take("ws");
    return node;
  }

  /** comparison = operand op operand; exactly one side must be a variable. */
  comparison(): MarkerNode {
    const start = this.pos;
    const left = this.operand();
    this.take("ws");
    const op = this.operator();
    this.take("ws");
    const right = this.operand();
    this.take("ws");
    if (left.kind === right.kind) {
      this.pos = start;
      this.fail(left.kind === "var" ? "a comparison needs a quoted string on one side" : "a comparison needs a marker variable on one side");
    }
    return { kind: "cmp", left, op, right };
  }

  /** A variable (legacy dotted names mapped) or a quoted string. */
  operand(): MarkerOperand {
    const v = this.take("variable");
    if (v !== undefined) {
      const name = v.replace(".", "_");
      return { kind: "var", name: (name === "python_implementation" ? "platform_python_implementation" : name) as MarkerVariable };
    }
    const s = this.take("string");
    if (s !== undefined) return { kind: "str", value: s.slice(1, -1) };
    return this.fail(`expected a marker variable (${MARKER_VARIABLES.join(", ")}) or a quoted string`);
  }

  /** `in`, `not in`, or a comparison operator. */
  operator(): MarkerOp {
    if (this.take("in")) return "in";
    if (this.take("not")) {
      if (!this.take("ws") || !this.take("in")) this.fail("expected 'in' after 'not'");
      return "not in";
    }
    const op = this.take("op");
    if (op) return op as MarkerOp;
    return this.fail("expected a marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in");
  }
}

/** Parses a marker expression; throws InvalidMarker with the column of the problem. */
export function parseMarker(text: string): MarkerNode {
  const p = new Parser(text);
  const node = p.marker();
  p.take("ws");
  if (p.pos !== text.length) p.fail("expected 'and', 'or' or the end of the marker");
  return node;
}

/** Formats a marker back to text (normalised spacing, double quotes where possible). */
export function formatMarker(node: MarkerNode, nested = false): string {
  if (node.kind === "cmp") {
    const side = (o: MarkerOperand) => (o.kind === "var" ? o.name : o.value.includes('"') ? `'${o.value}'` : `"${o.value}"`);
    return `${side(node.left)} ${node.op} ${side(node.right)}`;
  }
  const inner = node.items.map((n) => formatMarker(n, true)).join(` ${node.kind} `);
  return nested ? `(${inner})` : inner;
}
