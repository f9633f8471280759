// Reads var/lib/dpkg/status: which packages are installed, at which version and architecture.
import { field, parseDeb822 } from "./deb822.js";

export interface DpkgPackage {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
  /** The Status field, e.g. "install ok installed". */
  readonly status: string;
}

/** Parses a dpkg status file (deb822 stanzas) into its packages; stanzas without a Package field are skipped. */
export function parseDpkgStatus(text: string): readonly DpkgPackage[] {
  const out: DpkgPackage[] = [];
  for (const s of parseDeb822(text)) {
    const one = (name: string) => field(s, name)?.trim() ?? "";
    const name = one("package");
    if (!name) continue;
    out.push({ name, version: one("version"), arch: one("architecture"), status: one("status") });
  }
  return out;
}

/** The packages dpkg considers fully installed ("install ok installed"), sorted by name then arch. */
export function installedPackages(text: string): readonly DpkgPackage[] {
  return parseDpkgStatus(text)
    .filter((p) => p.status === "install ok installed")
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));
}
