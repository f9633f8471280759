// Facts about one .deb file: its control fields (through dpkg-deb), its build date (from the ar header),
// and the file name apt gives it in /var/cache/apt/archives.
import { open } from "node:fs/promises";
import { ToolError } from "../../errors.js";
import { dpkgDebControlArgv, dpkgDebControlsArgv } from "./dpkg-deb-argv.js";
import { run } from "../../exec/run.js";
import { field, parseDeb822 } from "../../debian/deb822.js";

/** The identity of a binary package. */
export interface DebId {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
}

/** A .deb's control file: its identity plus the raw text (which becomes its Packages stanza). */
export interface DebControl extends DebId {
  readonly text: string;
}

/** Reads a .deb's control file with dpkg-deb. */
export async function readDebControl(path: string): Promise<DebControl> {
  const { stdout } = await run(dpkgDebControlArgv(path));
  return parseControl(path, stdout);
}

/** The identity and text of one control file as dpkg-deb printed it. */
export function parseControl(path: string, stdout: string): DebControl {
  const s = parseDeb822(stdout)[0];
  const [name, version, arch] = ["Package", "Version", "Architecture"].map((f) => (s ? field(s, f) : undefined));
  if (!name || !version || !arch) throw new ToolError(`${path}: control file lacks Package, Version or Architecture`);
  return { name, version, arch, text: stdout.endsWith("\n") ? stdout : `${stdout}\n` };
}

/**
 * Reads the control files of many .debs (in order) with one process per batch instead of one per deb;
 * `batches` run at once. Same result as readDebControl on each path.
 */
export async function readDebControls(paths: readonly string[], batches = 4): Promise<DebControl[]> {
  const size = Math.max(1, Math.ceil(paths.length / batches));
  const chunks: string[][] = [];
  for (let i = 0; i < paths.length; i += size) chunks.push(paths.slice(i, i + size));
  const outputs = await Promise.all(chunks.map((c) => run(dpkgDebControlsArgv(c))));
  return chunks.flatMap((c, i) => {
    const parts = (outputs[i]?.stdout ?? "").split("\0");
    // n control files, each followed by NUL: n + 1 parts, the last one empty.
    if (parts.length !== c.length + 1) throw new ToolError(`dpkg-deb printed ${parts.length - 1} control files for ${c.length} debs (${c[0]} …)`);
    return c.map((p, j) => parseControl(p, parts[j] ?? "")); // n + 1 parts (checked): each is there
  });
}

/**
 * mtime of the first member of an ar archive (`!<arch>\n` + 60-byte header: name[16], mtime[12], …).
 * dpkg-deb writes SOURCE_DATE_EPOCH there (the package's changelog date) in Debian's reproducible
 * builds, so it is a property of the file's bytes, unlike the date a mirror last regenerated its Release.
 */
export function arFirstMtime(head: Uint8Array): number | undefined {
  const text = Buffer.from(head).toString("latin1");
  if (!text.startsWith("!<arch>\n") || text.length < 68 || text.slice(66, 68) !== "`\n") return undefined;
  const mtime = Number(text.slice(24, 36).trim());
  return Number.isSafeInteger(mtime) && mtime >= 0 ? mtime : undefined;
}

/** The build date of a .deb (seconds), from its ar header; ToolError if the file is not a .deb. */
export async function debBuildDate(path: string): Promise<number> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(68);
    const { bytesRead } = await fh.read(buf, 0, 68, 0);
    const t = arFirstMtime(buf.subarray(0, bytesRead));
    if (t === undefined) throw new ToolError(`${path}: not a Debian package (no ar header)`);
    return t;
  } finally {
    await fh.close();
  }
}

/** The name apt stores a package under in /var/cache/apt/archives (':' of an epoch quoted as %3a). */
export function aptArchiveName(d: DebId): string {
  return `${d.name}_${d.version.replace(/:/g, "%3a")}_${d.arch}.deb`;
}

/** How messages name a package: `name=version (arch)`. */
export function describeDeb(d: DebId): string {
  return `${d.name}=${d.version} (${d.arch})`;
}

/** Orders packages by name, then architecture, then version (code-unit order: stable across locales). */
export function compareDebIds(a: DebId, b: DebId): number {
  for (const key of ["name", "arch", "version"] as const) if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  return 0;
}
