// normalize: remove or fix everything in a rootfs that would differ between two bakes of the same
// inputs (clock, host, randomness) or that must never ship in a template (host keys, machine-id).
// mtimes are not touched here: the archive writer clamps them to SOURCE_DATE_EPOCH.
import { lstatSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, type Dirent } from "node:fs";
import { join } from "node:path";
import type { BakeContext } from "../context.js";

/** Image paths whose contents are removed but which stay as (empty) directories. */
const EMPTY_DIRS = [
  // Logs of the build itself: dpkg.log, apt/history.log, alternatives.log carry wall-clock times.
  "/var/log",
  // Downloaded package lists and archives: big, dated, and re-fetchable; apt recreates them.
  "/var/lib/apt/lists",
  "/var/cache/apt/archives",
  // man-db's index records the build time.
  "/var/cache/man",
  // pip's and debconf's caches of the build.
  "/root/.cache",
];

/** Image paths removed outright. */
const REMOVE = [
  // apt's binary caches embed mtimes of the lists.
  "/var/cache/apt/pkgcache.bin",
  "/var/cache/apt/srcpkgcache.bin",
  // Backups dpkg and debconf keep of the previous state.
  "/var/lib/dpkg/status-old",
  "/var/lib/dpkg/available-old",
  "/var/lib/dpkg/diversions-old",
  "/var/lib/dpkg/statoverride-old",
  "/var/cache/debconf/config.dat-old",
  "/var/cache/debconf/templates.dat-old",
  "/etc/passwd-",
  "/etc/group-",
  "/etc/shadow-",
  "/etc/gshadow-",
  "/etc/subuid-",
  "/etc/subgid-",
  // ldconfig's aux cache holds inode numbers and mtimes of the build host's view.
  "/var/cache/ldconfig/aux-cache",
  // Randomness that must be per machine, never per image.
  "/var/lib/systemd/random-seed",
  "/var/lib/systemd/credential.secret",
  "/var/lib/dbus/machine-id",
  // The build host's resolver and name must not leak into the template (Proxmox writes both).
  "/etc/resolv.conf",
];

/** Runs every normalization on ctx.root. */
export async function normalize(ctx: Pick<BakeContext, "root" | "epoch">): Promise<void> {
  const r = (p: string) => join(ctx.root, p);
  for (const d of EMPTY_DIRS) emptyDir(r(d));
  for (const f of REMOVE) rmSync(r(f), { force: true, recursive: false });
  removeHostKeys(r("/etc/ssh"));
  // systemd's first boot populates an empty machine-id; "uninitialized" would also be accepted by Proxmox,
  // but an empty file is what systemd documents for images.
  if (existsSync(r("/etc")) && !isSymlink(r("/etc/machine-id"))) writeFileSync(r("/etc/machine-id"), "");
  writeFileSync(r("/etc/hostname"), "localhost\n");
  clampShadowDates(r("/etc/shadow"), ctx.epoch);
  removePythonBytecode(ctx.root);
}

/** Removes a directory's contents (not following symlinks), keeping the directory. */
function emptyDir(dir: string): void {
  let names: string[];
  try {
    if (!lstatSync(dir).isDirectory()) return;
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    // apt wants these two to exist; they are empty or a lock file.
    if (n === "partial" || n === "lock") {
      if (lstatSync(p).isDirectory()) emptyDir(p);
      continue;
    }
    rmSync(p, { recursive: true, force: true });
  }
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** SSH host keys are per machine: Proxmox (or kiln's first-boot unit) generates them. */
function removeHostKeys(sshDir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(sshDir);
  } catch {
    return;
  }
  for (const n of names) if (/^ssh_host_.*_key(\.pub)?$/.test(n)) rmSync(join(sshDir, n), { force: true });
}

/**
 * /etc/shadow's third field is "days since 1970 of the last password change", written from the clock
 * by useradd/passwd in maintainer scripts; set it to the epoch's day so it no longer depends on when we baked.
 */
export function clampShadowDates(shadowPath: string, epoch: number): void {
  if (!existsSync(shadowPath) || isSymlink(shadowPath)) return;
  const day = String(Math.floor(epoch / 86400));
  const text = readFileSync(shadowPath, "utf8");
  const out = text
    .split("\n")
    .map((line) => {
      const f = line.split(":");
      if (f.length < 3 || f[2] === "") return line;
      f[2] = day;
      return f.join(":");
    })
    .join("\n");
  if (out !== text) writeFileSync(shadowPath, out);
}

/**
 * Python bytecode embeds source mtimes and depends on marshal's reference counts, so it is not
 * reliably reproducible; it is removed, and Python recompiles on first import (into the writable
 * container). Cost: a slower first start of each service; benefit: identical images.
 */
function removePythonBytecode(root: string): void {
  const walk = (dir: string): void => {
    let entries: Dirent[];
    try {
      // Entry types come with the listing (lstat only where the file system gives none): one
      // syscall per directory instead of one per entry, over the ~15k entries of a rootfs.
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      // Symlinks are neither directories nor files here: never followed, never removed.
      if (!e.isDirectory()) {
        if (e.name.endsWith(".pyc") && e.isFile()) rmSync(p, { force: true });
        continue;
      }
      if (e.name === "__pycache__") rmSync(p, { recursive: true, force: true });
      else walk(p);
    }
  };
  for (const top of ["usr/lib", "usr/local/lib", "opt", "srv", "usr/share"]) walk(join(root, top));
}
