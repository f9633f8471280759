// Key → line locator for TOML sources. @iarna/toml reports lines only for syntax errors, so to say
// `recipes/x.toml:12: checkout[1].url: …` for semantic errors we scan the (already parsed, so valid)
// source for `[table]` / `[[array]]` headers, `key =` lines, and the elements of arrays and inline tables.

/** Line (1-based) of a key path such as `checkout[1].url` or `apt.packages[3]`; the nearest enclosing key otherwise. */
export type Locator = (keyPath: string) => number | undefined;

/** Builds the locator for one TOML source. */
export function locator(source: string): Locator {
  const lines = new Scanner(source).scan();
  return (keyPath) => {
    for (let k: string | undefined = keyPath; k; k = parentKey(k)) {
      const line = lines.get(k);
      if (line !== undefined) return line;
    }
    return undefined;
  };
}

/** `a.b[2]` → `a.b`, `a.b` → `a`, `a` → undefined. */
function parentKey(k: string): string | undefined {
  const m = /^(.*?)(?:\[\d+\]|\.[^.[\]]+)$/.exec(k);
  return m?.[1] ? m[1] : undefined;
}

const BARE = /[A-Za-z0-9_-]/;

/** A single pass over the source that records where each key path starts. */
class Scanner {
  private i = 0;
  private line = 1;
  private readonly found = new Map<string, number>();
  /** Element count of each array of tables seen, by its resolved path. */
  private readonly arrays = new Map<string, number>();

  constructor(private readonly src: string) {}

  /** Scans the whole source. */
  scan(): Map<string, number> {
    let table = "";
    for (this.skipBlank(true); this.i < this.src.length; this.skipBlank(true)) {
      if (this.src.startsWith("[[", this.i)) table = this.header(2);
      else if (this.src[this.i] === "[") table = this.header(1);
      else this.keyValue(table);
    }
    return this.found;
  }

  /** Records a key path's line unless it was seen already (the first occurrence is where it starts). */
  private note(path: string, line = this.line): void {
    if (!this.found.has(path)) this.found.set(path, line);
  }

  /** `[a.b]` or `[[a.b]]`: resolves the path, counting array-of-tables elements. */
  private header(brackets: 1 | 2): string {
    this.i += brackets;
    const keys = this.keyParts("]");
    this.i += brackets;
    let path = "";
    keys.forEach((k, n) => {
      path = path ? `${path}.${k}` : k;
      const last = n === keys.length - 1;
      if (last && brackets === 2) {
        this.note(path); // the array as a whole starts at its first entry
        const idx = (this.arrays.get(path) ?? -1) + 1;
        this.arrays.set(path, idx);
        path = `${path}[${idx}]`;
      } else if (this.arrays.has(path)) path = `${path}[${this.arrays.get(path)}]`;
    });
    this.note(path);
    return path;
  }

  /** `key.sub = value` inside `table`. */
  private keyValue(table: string): void {
    const keys = this.keyParts("=");
    const path = [table, ...keys].filter(Boolean).join(".");
    this.note(path);
    this.i++; // '='
    this.value(path);
  }

  /** Reads a dotted key up to (not including) `stop`. */
  private keyParts(stop: string): string[] {
    const parts: string[] = [];
    for (this.skipBlank(false); this.i < this.src.length && this.src[this.i] !== stop; this.skipBlank(false)) {
      const c = this.src[this.i];
      if (c === ".") this.i++;
      else if (c === '"' || c === "'") parts.push(this.quoted(c));
      else {
        const start = this.i;
        while (this.i < this.src.length && BARE.test(this.src[this.i] ?? "")) this.i++;
        if (this.i === start) this.i++; // not TOML; keep moving
        parts.push(this.src.slice(start, this.i));
      }
    }
    return parts;
  }

  /** A value at `path`: arrays and inline tables record their elements. */
  private value(path: string): void {
    this.skipBlank(false);
    const c = this.src[this.i];
    if (c === "[") this.sequence("]", path);
    else if (c === "{") this.sequence("}", path);
    else if (c === '"' || c === "'") this.quoted(c);
    else while (this.i < this.src.length && !/[,\]}\n#]/.test(this.src[this.i] ?? "")) this.i++;
  }

  /** The elements of `[…]` (indexed) or `{…}` (keyed). */
  private sequence(close: "]" | "}", path: string): void {
    this.i++;
    for (let idx = 0; ; ) {
      this.skipBlank(true);
      if (this.i >= this.src.length) return;
      if (this.src[this.i] === close) {
        this.i++;
        return;
      }
      if (this.src[this.i] === ",") {
        this.i++;
        idx++;
        continue;
      }
      if (close === "]") {
        this.note(`${path}[${idx}]`);
        this.value(`${path}[${idx}]`);
      } else {
        const keys = this.keyParts("=");
        const sub = [path, ...keys].join(".");
        this.note(sub);
        this.i++;
        this.value(sub);
      }
    }
  }

  /** Skips a string of any of TOML's four kinds, returning its (roughly unescaped) text. */
  private quoted(q: string): string {
    const triple = this.src.startsWith(q.repeat(3), this.i);
    const end = triple ? q.repeat(3) : q;
    this.i += end.length;
    const start = this.i;
    while (this.i < this.src.length && !this.src.startsWith(end, this.i)) {
      if (q === '"' && this.src[this.i] === "\\") this.i++;
      if (this.src[this.i] === "\n") this.line++;
      this.i++;
    }
    const text = this.src.slice(start, this.i);
    this.i += end.length;
    // A triple-quoted string may end with up to two extra quotes.
    while (triple && this.src[this.i] === q) this.i++;
    return q === '"' ? text.replace(/\\(["\\])/g, "$1") : text;
  }

  /** Skips spaces, tabs and comments; newlines too when `newlines`. */
  private skipBlank(newlines: boolean): void {
    while (this.i < this.src.length) {
      const c = this.src[this.i];
      if (c === " " || c === "\t" || c === "\r") this.i++;
      else if (c === "#") while (this.i < this.src.length && this.src[this.i] !== "\n") this.i++;
      else if (c === "\n" && newlines) {
        this.line++;
        this.i++;
      } else return;
    }
  }
}
