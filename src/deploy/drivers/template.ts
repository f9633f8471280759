// Templates on a host: copied only when missing, sha256 checked ON THE HOST before use (a bad copy is
// deleted), and a record `<stateDir>/images/<hex>` → template path so that create() finds the file of
// an image in a later kiln run too.
import { basename, dirname } from "node:path";
import { ToolError } from "../../errors.js";
import type { Transport } from "../types.js";
import { quoteInput } from "../../util/quote.js";

/** What ensureTemplate is given: the image id, the local template file, its sha256. */
export interface TemplateRef {
  readonly image: string;
  readonly file: string;
  readonly sha256: string;
  /** The store holding the image (the proxmox driver writes an oci-archive from it). */
  readonly store?: string;
}

/** Hex of "sha256:<hex>", refusing anything else (it names a path on the host). */
export function imageHex(image: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(image);
  if (!m?.[1]) throw new ToolError(`not an image id: ${quoteInput(image)} (expected sha256:<64 hex>)`);
  return m[1];
}

/** The record of an image's template on the host. */
export function imageRecord(stateDir: string, image: string): string {
  return `${stateDir}/images/${imageHex(image)}`;
}

/** The host file name of a template: the store's name for it (Proxmox naming). */
export function templateFileName(t: TemplateRef): string {
  const name = basename(t.file);
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*\.tar(\.(zst|gz|xz))?$/.test(name))
    throw new ToolError(`template file name ${quoteInput(name)} is not one a storage accepts (<ostype>-<name>_<version>_<arch>.tar.zst)`);
  return name;
}

/** sha256 of a file, computed on the host; undefined when there is no such file. */
async function hostSha256(tr: Transport, path: string): Promise<string | undefined> {
  const r = await tr.run(["sha256sum", "--", path], { allowFailure: true, timeoutMs: 10 * 60_000 });
  if (r.exitCode !== 0 && /No such file/.test(r.stderr)) return undefined;
  if (r.exitCode !== 0) throw new ToolError(`${tr.describe}: sha256sum ${path}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return r.stdout.split(/\s/)[0] ?? "";
}

// Records the verified template: $1 its path, $2 the record. -n replaces the link itself.
const RECORD_SCRIPT = 'mkdir -p -- "$(dirname -- "$2")" && ln -sfn -- "$1" "$2"';

/**
 * Puts the template at `hostPath` (copying only when missing), checks its sha256 there, and records it.
 * Returns whether it was copied. Two round trips when the template is already there.
 */
export async function ensureTemplateAt(
  tr: Transport,
  o: { readonly ref: TemplateRef; readonly hostPath: string; readonly stateDir: string },
): Promise<boolean> {
  let got = await hostSha256(tr, o.hostPath);
  const copied = got === undefined;
  if (copied) {
    await tr.run(["mkdir", "-p", "--", dirname(o.hostPath)]);
    await tr.copyTo(o.ref.file, o.hostPath);
    got = await hostSha256(tr, o.hostPath);
  }
  if (got !== o.ref.sha256) {
    await tr.run(["rm", "-f", "--", o.hostPath]);
    throw new ToolError(
      `${tr.describe}: template ${o.hostPath} has sha256 ${got}, expected ${o.ref.sha256}; the bad copy was deleted: run again to copy it anew`,
    );
  }
  // Written only once the file is verified: the record means "this host has the image's template".
  await tr.run(["sh", "-c", RECORD_SCRIPT, "sh", o.hostPath, imageRecord(o.stateDir, o.ref.image)]);
  return copied;
}

/** True when the host has a verified template for the image (its record and the file it names). */
export async function hasTemplateAt(tr: Transport, stateDir: string, image: string): Promise<boolean> {
  return (await tr.run(["test", "-f", imageRecord(stateDir, image)], { allowFailure: true })).exitCode === 0;
}

/** The host path of an image's verified template; a clear error when ensureTemplate never ran for it. */
export async function templatePathOf(tr: Transport, stateDir: string, image: string): Promise<string> {
  const r = await tr.run(["readlink", "-e", "--", imageRecord(stateDir, image)], { allowFailure: true });
  const path = r.stdout.trim();
  if (r.exitCode !== 0 || !path)
    throw new ToolError(`${tr.describe}: no verified template for ${image} on this host: ensureTemplate must run first (kiln deploy uploads it)`);
  return path;
}
