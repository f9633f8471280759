// Rules about the operating system inside: what Proxmox reads to set the container up.
import { parseOsRelease, proxmoxOstype, PROXMOX_OSTYPES } from "../../rootfs/os-release.js";
import { readElfArch } from "../../rootfs/elf.js";
import { installedPackages } from "../../debian/dpkg-status.js";
import { resolveInArchive } from "../resolve.js";
import type { ArchiveFacts, CheckFailure } from "../types.js";

/** Distributions whose networking Proxmox configures through /etc/network/interfaces (ifupdown). */
const IFUPDOWN_DISTROS = new Set(["debian", "ubuntu", "devuan"]);
/** Architectures readElfArch can name, i.e. the ones a template's file name may carry. */
const KNOWN_ARCHES = new Set(["amd64", "i386", "arm64", "armhf", "armel", "riscv32", "riscv64", "ppc64el", "ppc64", "s390x"]);

/** The parsed os-release Proxmox would read (/etc/os-release, else /usr/lib/os-release), or undefined. */
export function osReleaseOf(facts: ArchiveFacts): Readonly<Record<string, string>> | undefined {
  for (const p of ["etc/os-release", "usr/lib/os-release"]) {
    const r = resolveInArchive(facts, p);
    const body = r && r.entry?.type === "file" ? facts.contents.get(r.path) : undefined;
    if (body) return parseOsRelease(body.toString("utf8"));
  }
  return undefined;
}

/** /etc/os-release must exist and carry an ID Proxmox has a setup plugin for. */
export function osReleaseRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const os = osReleaseOf(facts);
  if (!os)
    return [{ rule: "os-release", path: "/etc/os-release", message: "missing (also /usr/lib/os-release); Proxmox cannot tell which OS it is setting up" }];
  const id = os.ID ?? "";
  if (proxmoxOstype(id)) return [];
  return [{ rule: "os-release", path: "/etc/os-release", message: `ID '${id}' is not one Proxmox manages (${PROXMOX_OSTYPES.join(", ")})` }];
}

/** The architecture of the archive's /bin/sh (symlinks followed inside the archive), or an explanation. */
export function shArch(facts: ArchiveFacts): { readonly arch?: string; readonly why?: string; readonly path: string } {
  const r = resolveInArchive(facts, "bin/sh");
  if (!r) return { path: "/bin/sh", why: "symlink loop" };
  if (!r.entry) return { path: `/${r.path}`, why: r.path === "bin/sh" ? "missing" : `missing (bin/sh leads to /${r.path})` };
  if (r.entry.type !== "file") return { path: `/${r.path}`, why: `is a ${r.entry.type}, not a file` };
  const arch = readElfArch(facts.heads.get(r.path) ?? Buffer.alloc(0));
  return arch ? { arch, path: `/${r.path}` } : { path: `/${r.path}`, why: "is not an ELF binary of a known architecture" };
}

/** Proxmox detects the container's architecture from /bin/sh's ELF header. */
export function archRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const { arch, why, path } = shArch(facts);
  if (arch) return [];
  return [{ rule: "arch", path, message: `cannot read the architecture from /bin/sh: ${why}` }];
}

/** Proxmox writes /etc/network/interfaces on Debian-family systems, so ifupdown(2) must be installed. */
export function ifupdownRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const status = facts.contents.get("var/lib/dpkg/status");
  const id = osReleaseOf(facts)?.ID ?? "";
  if (!status && !IFUPDOWN_DISTROS.has(id)) return [];
  const installed = status ? installedPackages(status.toString("utf8")) : [];
  if (installed.some((p) => p.name === "ifupdown" || p.name === "ifupdown2")) return [];
  return [
    {
      rule: "ifupdown",
      path: "/var/lib/dpkg/status",
      message: "neither ifupdown nor ifupdown2 is installed; Proxmox configures the network through /etc/network/interfaces (add ifupdown to the image)",
    },
  ];
}

/** A template named the Proxmox way (`…_<arch>.tar.*`) must hold binaries of that architecture. */
export function archNameRule(facts: ArchiveFacts): readonly CheckFailure[] {
  const named = /_([a-z0-9]+)\.tar(?:\.[a-z0-9]+)?$/.exec(facts.file)?.[1];
  const { arch, path } = shArch(facts);
  if (!named || !arch || !KNOWN_ARCHES.has(named) || named === arch) return [];
  return [{ rule: "arch", path, message: `is ${arch}, but the template's name says ${named}; rename it or rebuild for ${named}` }];
}
