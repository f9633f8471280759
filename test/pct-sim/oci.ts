// OCI image archives as container templates, as Proxmox VE 9.1's pct create takes them (pve-container
// 6.0.15 on, PVE::LXC::Create::archive_is_oci_format): a volume whose file name ends in `.tar` and whose
// `tar -tf` lists `oci-layout`, `index.json` and a `blobs/` member exactly so (not `./oci-layout`); pct
// prints "Detected OCI archive" and unpacks the image (simulated: one image, one layer). Older nodes
// would unpack it as a plain tar and fail to detect an OS: the simulator refuses there, saying why.
import { mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { versionAtLeast } from "./version.js";
import { run } from "./proc.js";
import { pctTarArgv } from "./tar.js";
import { die } from "./pve-error.js";
import type { World } from "./world.js";

/** The first pve-container that creates containers from OCI archives (Proxmox VE 9.1). */
export const OCI_SINCE = "6.0.15";

/** True when `template` is an OCI archive by pve-container's rule: `.tar`, listing oci-layout, index.json and blobs/. */
export async function isOciArchive(template: string): Promise<boolean> {
  if (!template.endsWith(".tar")) return false;
  const r = await run(["tar", "-tf", template], { allowFailure: true });
  const names = r.exitCode === 0 ? r.stdout.split("\n") : [];
  return names.includes("oci-layout") && names.includes("index.json") && names.some((n) => n.startsWith("blobs/"));
}

/** Refuses an OCI archive on a node whose pve-container predates OCI support. */
export function checkOciSupported(w: World, template: string): void {
  const container = w.versions.get("pve-container") ?? "0";
  if (!versionAtLeast(container, OCI_SINCE))
    throw die(
      `pct-sim: '${template}' is an OCI image archive, which pct create reads only from pve-container ${OCI_SINCE} (Proxmox VE 9.1; this node: pve-container ${container})`,
    );
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
