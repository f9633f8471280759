// deb822 (RFC 822-style) stanzas as Debian control files, Release files and .sources files write them.

/** One stanza: field name (as written) → value, continuation lines joined with "\n". */
export type Stanza = ReadonlyMap<string, string>;

/** Strips an OpenPGP clear-signature wrapper (InRelease) so only the signed text remains. */
export function stripClearsign(text: string): string {
  if (!text.startsWith("-----BEGIN PGP SIGNED MESSAGE-----")) return text;
  const body = text.slice(text.indexOf("\n\n") + 2);
  const end = body.indexOf("\n-----BEGIN PGP SIGNATURE-----");
  return end < 0 ? body : body.slice(0, end + 1);
}

/** Parses deb822 text into stanzas; `#` comment lines are skipped, field names compared case-insensitively via get(). */
export function parseDeb822(text: string): Stanza[] {
  const out: Stanza[] = [];
  let cur = new Map<string, string>();
  let last: string | undefined;
  const flush = () => {
    if (cur.size) out.push(cur);
    cur = new Map();
    last = undefined;
  };
  for (const line of stripClearsign(text).split("\n")) {
    if (/^\s*$/.test(line)) flush();
    else if (line.startsWith("#")) continue;
    else if (/^[ \t]/.test(line) && last !== undefined) cur.set(last, `${cur.get(last) ?? ""}\n${line.slice(1)}`);
    else {
      const m = /^([^:\s]+):[ \t]*(.*)$/.exec(line);
      if (!m?.[1]) continue;
      last = m[1];
      cur.set(last, m[2]?.trimEnd() ?? "");
    }
  }
  flush();
  return out;
}

/** A field's value by case-insensitive name (deb822 field names are case-insensitive). */
export function field(s: Stanza, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of s) if (k.toLowerCase() === want) return v;
  return undefined;
}
