// The check module's public API: Proxmox template rules over a template file.
export type { CheckFailure, CheckReport } from "./types.js";
export { checkTemplate, applyRules, RULES } from "./check.js";
export { readElfArch, ELF_HEAD_BYTES } from "../rootfs/elf.js";
export { parseOsRelease, proxmoxOstype, PROXMOX_OSTYPES } from "../rootfs/os-release.js";
export { parseDpkgStatus, installedPackages, type DpkgPackage } from "../debian/dpkg-status.js";
export { TEMPLATE_EXTENSIONS } from "./rules/format.js";
export { treeArch, treeOsRelease, resolveInTree } from "../rootfs/tree.js";
export { checkRef } from "./check-ref.js";
