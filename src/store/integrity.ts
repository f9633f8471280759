// Is a store entry what its manifest says? The cheap part, without reading the template: the manifest
// names its own directory's image, and its paths stay inside that directory (template.file is a plain
// file name, the one the store writes). A manifest edited to point at ../../../etc/passwd is damage.
import { CheckFailed } from "../errors.js";
import { isSha256Hex } from "../util/hash.js";
import { quoteInput } from "../util/quote.js";
import { hexOf, templateFileName } from "./layout.js";
import { imageNameProblems } from "./naming.js";
import type { Manifest } from "./types.js";

/** How to repair a damaged entry. */
export const DAMAGE_FIX = "re-bake the image (same lock and recipe give the same id) or re-import it with kiln pack";
/** What to do about a damaged entry (every damage message ends with it). */
export const DAMAGE_HINT = `run kiln store verify to list damaged entries, then ${DAMAGE_FIX}`;

/** A damaged store entry (exit 1): the message names the image, what is wrong and what to do. */
export class DamagedEntry extends CheckFailed {
  constructor(
    readonly id: string,
    readonly what: string,
  ) {
    super(`store entry ${id} is damaged: ${what}; ${DAMAGE_HINT}`);
  }
}

/** The error for a damaged entry. */
export function damaged(id: string, what: string): DamagedEntry {
  return new DamagedEntry(id, what);
}

/** The template file name the store writes for a manifest (Proxmox naming, with the id's first 12 hex). */
export function expectedTemplateFile(m: Manifest): string {
  return templateFileName({ ...m, id: m.image, ext: m.template.compression === "zstd" ? "tar.zst" : "tar.gz" });
}

/** True for a plain file name: no directory part, not '.' or '..', no control characters. */
export function isPlainName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !name.includes("/") && !/[\u0000-\u001f]/.test(name);
}

/** Every way the manifest in images/<dirHex>/ disagrees with itself or its directory ([] when sound). */
export function manifestProblems(dirHex: string, m: Manifest): string[] {
  const problems: string[] = [];
  if (hexOf(m.image) !== dirHex || !m.image.startsWith("sha256:"))
    problems.push(`manifest.json says image ${quoteInput(m.image)}, but it is in the directory of sha256:${dirHex}`);
  // Read from disk: the section may be missing or partial whatever the type says.
  const t: Partial<Manifest["template"]> | undefined = m.template;
  if (typeof t !== "object" || t === null) return [...problems, "manifest.json has no template section"];
  if (t.compression !== "zstd" && t.compression !== "gzip")
    problems.push(`manifest.json template.compression is ${quoteInput(t.compression)}, not zstd or gzip`);
  if (typeof t.sha256 !== "string" || !isSha256Hex(t.sha256)) problems.push(`manifest.json template.sha256 is ${quoteInput(t.sha256)}, not 64 hex digits`);
  if (typeof t.file !== "string" || !isPlainName(t.file)) {
    problems.push(`manifest.json template.file ${quoteInput(t.file)} is not a plain file name inside the image directory`);
  } else if (problems.length === 0 && imageNameProblems(m).length === 0 && t.file !== expectedTemplateFile(m)) {
    problems.push(`manifest.json template.file ${quoteInput(t.file)} is not the store's name for this image (${expectedTemplateFile(m)})`);
  }
  problems.push(...imageNameProblems(m).map((p) => `manifest.json ${p.key}: ${p.message}`));
  return problems;
}

/** Throws the damage error when the manifest is not sound (cheap: reads nothing). */
export function assertManifestSound(m: Manifest, dirHex: string = hexOf(m.image)): void {
  const problems = manifestProblems(dirHex, m);
  if (problems.length) throw damaged(`sha256:${dirHex}`, problems.join("; "));
}
