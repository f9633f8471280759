// Reads var/lib/dpkg/status: which packages are installed, at which version and architecture.

export interface DpkgPackage {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
  /** The Status field, e.g. "install ok installed". */
  readonly status: string;
}

/** Parses a dpkg status file into its stanzas (continuation lines are skipped; we only need single-line fields). */
export function parseDpkgStatus(text: string): readonly DpkgPackage[] {
  const out: DpkgPackage[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split("\n")) {
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m?.[1] && m[2] !== undefined) fields.set(m[1].toLowerCase(), m[2].trim());
    }
    const name = fields.get("package");
    if (!name) continue;
    out.push({ name, version: fields.get("version") ?? "", arch: fields.get("architecture") ?? "", status: fields.get("status") ?? "" });
  }
  return out;
}

/** The packages dpkg considers fully installed ("install ok installed"), sorted by name then arch. */
export function installedPackages(text: string): readonly DpkgPackage[] {
  return parseDpkgStatus(text)
    .filter((p) => p.status === "install ok installed")
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));
}
