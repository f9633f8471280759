// OCI image archives as container templates, as Proxmox VE 9.1's pct create takes them: a plain .tar
// holding an OCI image layout (oci-layout, index.json, blobs/sha256/…) whose one image has one layer;
// that layer is the rootfs. Older nodes do not know the format: the simulator refuses there.
import { mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { versionAtLeast } from "./version.js";
import { run } from "./proc.js";
import { pctTarArgv } from "./tar.js";
import { die } from "./pve-error.js";
import type { World } from "./world.js";

/** The first pve-manager that creates containers from OCI images. */
export const OCI_SINCE = "9.1.0";

/** True when `template` is an uncompressed tar with an `oci-layout` member (an OCI image archive). */
export async function isOciArchive(template: string): Promise<boolean> {
  if (!template.endsWith(".tar")) return false;
  const r = await run(["tar", "-tf", template], { allowFailure: true });
  return r.exitCode === 0 && r.stdout.split("\n").some((n) => n === "oci-layout" || n === "./oci-layout");
}

/** Refuses an OCI archive on a node older than 9.1. */
export function checkOciSupported(w: World, template: string): void {
  const manager = w.versions.get("pve-manager") ?? "0";
  if (!versionAtLeast(manager, OCI_SINCE))
    throw die(`pct-sim: '${template}' is an OCI image archive, which pct create reads only from Proxmox VE ${OCI_SINCE} (this node: pve-manager ${manager})`);
}

/** A JSON file's object, or die naming it. */
async function jsonObject(path: string, what: string): Promise<Record<string, unknown>> {
  try {
    const v = JSON.parse(await readFile(path, "utf8")) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw die(`OCI archive: ${what} is not a JSON object`);
}

/** The blob path of a descriptor's digest, refusing anything but sha256:<64 hex>. */
function blob(dir: string, d: unknown): string {
  const digest = (d as { digest?: unknown } | null)?.digest;
  const hex = typeof digest === "string" ? /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1] : undefined;
  if (hex === undefined) throw die("OCI archive: a descriptor has no sha256 digest");
  return join(dir, "blobs", "sha256", hex);
}

/** Extracts the single layer of the OCI archive `template` into `root`, as a template tar would be. */
export async function extractOciArchive(template: string, root: string): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), "pct-sim-oci-"));
  try {
    await run(["tar", "-x", "-f", template, "--no-same-owner", "-C", tmp]);
    const index = await jsonObject(join(tmp, "index.json"), "index.json");
    const images = (Array.isArray(index.manifests) ? index.manifests : []).filter((m: { artifactType?: unknown }) => m?.artifactType === undefined);
    if (images.length !== 1) throw die(`OCI archive: index.json lists ${images.length} images, expected exactly one`);
    const manifest = await jsonObject(blob(tmp, images[0]), "the image manifest");
    const layers = Array.isArray(manifest.layers) ? (manifest.layers as { mediaType?: unknown }[]) : [];
    if (layers.length !== 1) throw die(`OCI archive: the image has ${layers.length} layers, expected exactly one`);
    const type = layers[0]?.mediaType;
    const ext =
      type === "application/vnd.oci.image.layer.v1.tar+gzip"
        ? "tar.gz"
        : type === "application/vnd.oci.image.layer.v1.tar+zstd"
          ? "tar.zst"
          : type === "application/vnd.oci.image.layer.v1.tar"
            ? "tar"
            : undefined;
    if (ext === undefined) throw die(`OCI archive: unsupported layer media type '${String(type)}'`);
    const layer = join(tmp, `layer.${ext}`);
    await rename(blob(tmp, layers[0]), layer);
    await run(pctTarArgv(layer, root), { timeoutMs: 20 * 60_000 });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
