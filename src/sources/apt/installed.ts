// Does a rootfs hold exactly the locked debs? Compares dpkg's status with the lock by (name, arch, version).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { installedPackages } from "../../debian/dpkg-status.js";
import { describeDeb, type DebId } from "./deb-file.js";

/** The fully installed packages of a rootfs, from var/lib/dpkg/status. */
export async function installedDebs(root: string): Promise<DebId[]> {
  const text = await readFile(join(root, "var/lib/dpkg/status"), "utf8");
  return installedPackages(text).map((p) => ({ name: p.name, version: p.version, arch: p.arch }));
}

/** Lines describing every difference between an installed set and the expected one; empty when equal. */
export function diffInstalled(installed: readonly DebId[], expected: readonly DebId[]): string[] {
  const key = (d: DebId) => `${d.name}:${d.arch}`;
  const have = new Map(installed.map((d) => [key(d), d]));
  const want = new Map(expected.map((d) => [key(d), d]));
  const out: string[] = [];
  for (const [k, w] of want) {
    const h = have.get(k);
    if (!h) out.push(`not installed: ${describeDeb(w)}`);
    else if (h.version !== w.version) out.push(`wrong version: ${w.name} (${w.arch}) is ${h.version}, the lock says ${w.version}`);
  }
  for (const [k, h] of have) if (!want.has(k)) out.push(`installed but not locked: ${describeDeb(h)}`);
  return out.sort();
}
