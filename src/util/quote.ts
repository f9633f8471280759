// One way to put user input into a message: quoted, control characters escaped, long values cut.
// A requirements line with terminal escapes (ESC, NUL, CR) or a 400 KB version string must not reach
// the user's terminal as-is (it could rewrite the screen) nor turn one error into megabytes.

/** Longest quoted value a message shows before it is cut (the start is kept, the length said). */
export const QUOTE_MAX = 80;

// C0 controls, DEL, C1 controls, and the bidi overrides/isolates that reorder what a terminal shows.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** The first character of `s` that escapeControls would escape (a control or bidi character), or undefined. */
export function firstControl(s: string): string | undefined {
  return new RegExp(UNSAFE.source).exec(s)?.[0];
}

/** Escapes what a terminal would interpret: `\n`, `\r`, `\t`, `\\`, others as `\xNN` / `\uNNNN`. */
export function escapeControls(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(UNSAFE, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * Quotes a value from user input for a message: `"abc"`; control characters escaped; a value longer
 * than `max` characters shows its start and its length: `"aaaa…" (412 345 characters)`.
 */
export function quoteInput(value: unknown, max = QUOTE_MAX): string {
  const s = typeof value === "string" ? value : String(value);
  const cut = s.length > max;
  const body = escapeControls(cut ? s.slice(0, max) : s).replace(/"/g, '\\"');
  return cut ? `"${body}…" (${s.length} characters)` : `"${body}"`;
}

/**
 * Shows any parsed value (from JSON or TOML) in a message: a string as quoteInput() does; anything
 * else as its JSON text, escaped and cut the same way (a 400 KB array must not become the message).
 */
export function quoteValue(value: unknown, max = QUOTE_MAX): string {
  if (typeof value === "string") return quoteInput(value, max);
  const s = typeof value === "bigint" ? String(value) : (JSON.stringify(value) ?? String(value));
  return s.length > max ? `${escapeControls(s.slice(0, max))}… (${s.length} characters)` : escapeControls(s);
}

/** Makes a whole message line safe for a terminal: controls escaped (newlines kept), backslashes left as they are. */
export function safeLine(s: string): string {
  return s.replace(UNSAFE, (c) => (c === "\n" ? c : escapeControls(c)));
}
