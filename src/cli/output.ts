// How data commands print: one JSON document on stdout with --json, a human rendering otherwise.

/** Prints `value` as JSON (--json) or as the text `human` renders. */
export function emit<T>(json: boolean | undefined, value: T, human: (v: T) => string): void {
  if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else {
    const text = human(value);
    if (text) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}

/** Renders rows as an aligned plain-text table with a header. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
