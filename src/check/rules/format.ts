// Rules about the template file as a whole, as Proxmox applies them before it extracts anything
// (pve-storage's template name pattern; pve-container's check_tar_archive).
import { basename } from "node:path";
import type { ArchiveFacts, CheckFailure } from "../types.js";

/** Extensions pve-storage lists as container templates (VZTMPL_EXT_RE_1); `.tgz` is not among them. */
export const TEMPLATE_EXTENSIONS: readonly string[] = [".tar", ".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2"];

/** Proxmox only lists and restores templates whose name ends in one of its extensions. */
export function extensionRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const name = basename(facts.file).toLowerCase();
  if (TEMPLATE_EXTENSIONS.some((ext) => name.endsWith(ext))) return [];
  return [{ rule: "extension", path: facts.file, message: `Proxmox only accepts templates named *${TEMPLATE_EXTENSIONS.join(", *")}; rename the file` }];
}

/** pve-container refuses archives with fewer than 10 members as bogus. */
export function membersRule(facts: ArchiveFacts): readonly CheckFailure[] {
  if (facts.members.length >= 10) return [];
  return [{ rule: "members", path: facts.file, message: `only ${facts.members.length} members; Proxmox refuses templates with fewer than 10` }];
}

/** pve-container wants `sbin` as a directory, a symlink (merged /usr) or a hard link at the top. */
export function sbinRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const sbin = facts.byPath.get("sbin");
  if (sbin && (sbin.type === "dir" || sbin.type === "symlink" || sbin.type === "hardlink")) return [];
  return [{ rule: "sbin", path: "/sbin", message: "no 'sbin' directory or link at the top of the archive; Proxmox refuses such templates" }];
}
