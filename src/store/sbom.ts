// sbom.cdx.json: a CycloneDX 1.5 JSON SBOM of the image. Deterministic like the manifest: the serial
// number is derived from the image id and the only timestamp is SOURCE_DATE_EPOCH.
import type { Manifest } from "./types.js";
import { hexOf } from "./layout.js";

/** purl-style percent-encoding: everything but unreserved characters (so '+' and ':' are encoded). */
function pct(s: string): string {
  return encodeURIComponent(s);
}

/** purl of a Debian package. */
export function debPurl(d: { readonly name: string; readonly version: string; readonly arch: string }): string {
  return `pkg:deb/debian/${pct(d.name)}@${pct(d.version)}?arch=${pct(d.arch)}`;
}

/** purl of a Python distribution (purl's pypi names are lowercase with '-' for '_' and '.'). */
export function pypiPurl(p: { readonly name: string; readonly version: string }): string {
  return `pkg:pypi/${pct(p.name.toLowerCase().replace(/[-_.]+/g, "-"))}@${pct(p.version)}`;
}

/** A version-5-shaped UUID URN from the image id's hash (CycloneDX 1.5 only accepts versions 1–5). */
export function sbomSerial(imageId: string): string {
  const h = hexOf(imageId).slice(0, 32).split("");
  h[12] = "5";
  h[16] = ((parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  const s = h.join("");
  return `urn:uuid:${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** SOURCE_DATE_EPOCH as an ISO 8601 timestamp without fractional seconds. */
function isoSeconds(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The CycloneDX document for an image: the image as metadata.component, debs, Python packages and checkouts as components. */
export function buildSbom(m: Manifest): Record<string, unknown> {
  const debs = m.debs.map((d) => ({ type: "library", "bom-ref": debPurl(d), name: d.name, version: d.version, purl: debPurl(d) }));
  const python = m.python.map((p) => ({ type: "library", "bom-ref": pypiPurl(p), name: p.name, version: p.version, purl: pypiPurl(p) }));
  const checkouts = m.checkouts.map((c) => ({
    type: "library",
    "bom-ref": `checkout:${c.name}`,
    name: c.name,
    version: c.revision,
    externalReferences: [{ type: "vcs", url: c.url }],
    properties: [
      { name: "kiln:checkout:kind", value: c.kind },
      { name: "kiln:checkout:dest", value: c.dest },
    ],
  }));
  const components = [...debs, ...python, ...checkouts];
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: sbomSerial(m.image),
    version: 1,
    metadata: {
      timestamp: isoSeconds(m.sourceDateEpoch),
      tools: { components: [{ type: "application", name: "kiln", version: m.kilnVersion }] },
      component: {
        type: "container",
        "bom-ref": m.image,
        name: m.name,
        version: m.version,
        hashes: [{ alg: "SHA-256", content: m.template.sha256 }],
        properties: [
          { name: "kiln:image", value: m.image },
          { name: "kiln:arch", value: m.arch },
          { name: "kiln:ostype", value: m.ostype },
          { name: "kiln:template", value: m.template.file },
        ],
      },
    },
    components,
    dependencies: [{ ref: m.image, dependsOn: components.map((c) => c["bom-ref"]) }],
  };
}
