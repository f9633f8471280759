// The build host's apt sources (base.mirror = "host"): which files apt reads, and which suites they offer.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { field, parseDeb822 } from "../../debian/deb822.js";

/** One sources file apt would read: sources.list, or sources.list.d/NAME.list / NAME.sources. */
export interface SourcesFile {
  readonly path: string;
  /** File name, kept when the file is written into the image. */
  readonly name: string;
  readonly format: "one-line" | "deb822";
  readonly text: string;
}

/** apt reads only these names in sources.list.d (apt.conf(5), Dir::Etc::SourceParts); the rest are ignored. */
const PART_NAME = /^[A-Za-z0-9_.-]+\.(list|sources)$/;

/** The sources files apt reads under `etcApt` (default /etc/apt), in apt's order, skipping empty ones. */
export function hostSourcesFiles(etcApt = "/etc/apt"): SourcesFile[] {
  const out: SourcesFile[] = [];
  const add = (path: string, name: string) => {
    let text: string;
    try {
      if (!statSync(path).isFile()) return;
      text = readFileSync(path, "utf8");
    } catch {
      return;
    }
    if (sourcesSuites(text, name.endsWith(".sources") ? "deb822" : "one-line").length === 0) return;
    out.push({ path, name, format: name.endsWith(".sources") ? "deb822" : "one-line", text });
  };
  add(join(etcApt, "sources.list"), "sources.list");
  let parts: string[] = [];
  try {
    parts = readdirSync(join(etcApt, "sources.list.d")).sort();
  } catch {
    /* no sources.list.d */
  }
  for (const n of parts) if (PART_NAME.test(n)) add(join(etcApt, "sources.list.d", n), n);
  return out;
}

/** The suites of the binary (`deb`) entries in a sources file's text. */
export function sourcesSuites(text: string, format: "one-line" | "deb822"): string[] {
  if (format === "deb822") {
    return parseDeb822(text).flatMap((s) => {
      const types = (field(s, "Types") ?? "").split(/\s+/);
      if (!types.includes("deb") || (field(s, "Enabled") ?? "yes").toLowerCase() === "no") return [];
      return (field(s, "Suites") ?? "").split(/\s+/).filter(Boolean);
    });
  }
  return text.split("\n").flatMap((raw) => {
    const line = raw.replace(/#.*$/, "").trim();
    // `deb [ options ] uri suite [component…]`: drop the bracketed options, then suite is the third word.
    const words = line
      .replace(/\[[^\]]*\]/, " ")
      .trim()
      .split(/\s+/);
    return words[0] === "deb" && words[2] ? [words[2]] : [];
  });
}
