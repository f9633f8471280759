// Canonical JSON: object keys sorted (recursively), two-space indent, trailing newline.
// Locks and manifests use it so that equal values are equal bytes.

/** Serializes `value` canonically. Refuses values JSON cannot represent exactly. */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value, "$"), null, 2)}\n`;
}

function sortKeys(v: unknown, at: string): unknown {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new TypeError(`canonicalJson: ${at} is ${v}, which JSON cannot hold`);
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => sortKeys(x, `${at}[${i}]`));
  if (typeof v === "object") {
    const out: Record<string, unknown> = {};
    // Keys in UTF-16 code unit order (Array.prototype.sort's default for strings).
    for (const [k, x] of Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (x !== undefined) out[k] = sortKeys(x, `${at}.${k}`);
    }
    return out;
  }
  throw new TypeError(`canonicalJson: ${at} is a ${typeof v}, which JSON cannot hold`);
}
