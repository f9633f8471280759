// OCI archives as Proxmox container templates (host template_format = "oci"). Proxmox VE 9.1's pct create
// takes a plain .tar from vztmpl storage as an OCI image when `tar -tf` lists `oci-layout`, `index.json`
// and `blobs/…` (pve-container, PVE::LXC::Create::archive_is_oci_format), and unpacks its image's layers
// as the root filesystem. kiln writes the archive from the store with src/oci (verified first): the image
// alone, no referrers, a gzip layer (the media type every OCI reader takes), and removes it once uploaded.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolError } from "../../errors.js";
import { writeOci } from "../../oci/write.js";
import { templateFileName, type TemplateRef } from "./template.js";

/** The host file name of an image's OCI archive: the template's name with `.oci.tar` for its extension. */
export function ociTemplateName(ref: TemplateRef): string {
  return templateFileName(ref).replace(/\.tar(\.(zst|gz|xz))?$/, ".oci.tar");
}

/** Writes the OCI archive of `ref`'s image into a temporary directory, runs `use` on it, then removes it. */
export async function withOciTemplate<T>(ref: TemplateRef, use: (archive: TemplateRef) => Promise<T>): Promise<T> {
  if (ref.store === undefined) throw new ToolError(`${ref.image}: an OCI template is written from the store, and none was given`);
  const dir = await mkdtemp(join(tmpdir(), "kiln-oci-template-"));
  try {
    const file = join(dir, ociTemplateName(ref));
    const r = await writeOci(ref.store, [ref.image], { out: file, format: "archive", compression: "gzip", referrers: false });
    return await use({ image: ref.image, file, sha256: r.sha256 as string });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
