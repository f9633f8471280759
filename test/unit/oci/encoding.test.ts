// The OCI encoding is canonical: fixed inputs give checked-in digests (a change here changes every
// OCI digest kiln ever wrote: do it on purpose and say why), and the config carries nothing from the host.
import { describe, expect, it } from "vitest";
import { imageConfig, platformOf } from "../../../src/oci/config.js";
import { artifactManifest, EMPTY_BLOB, imageIndex, imageManifest, jsonBlob } from "../../../src/oci/manifest.js";
import { MT_CONFIG, MT_LAYER_GZIP, MT_SIGNATURE } from "../../../src/oci/media-types.js";
import type { Manifest } from "../../../src/store/types.js";
import { sha256Hex } from "../../../src/util/hash.js";

const ID = `sha256:${"1".repeat(64)}`;
const kiln: Manifest = {
  manifestVersion: 1,
  image: ID,
  name: "cam-node",
  version: "1.0.0",
  arch: "amd64",
  ostype: "debian",
  template: { file: "debian-cam-node_1.0.0-111111111111_amd64.tar.zst", sha256: "2".repeat(64), size: 123, compression: "zstd" },
  tarSize: 10240,
  entries: 3,
  inputs: null,
  kilnVersion: "0.0.0",
  sourceDateEpoch: 1_700_000_000,
  origin: "pack",
  recipe: null,
  lockSha256: null,
  debs: [],
  python: [],
  checkouts: [],
  verify: null,
};
const layer = { mediaType: MT_LAYER_GZIP, digest: `sha256:${"3".repeat(64)}`, size: 99 };

describe("OCI encoding", () => {
  it("builds the config from the manifest only: diff_id = image id, created = SOURCE_DATE_EPOCH", () => {
    const c = imageConfig(kiln);
    expect(c).toMatchObject({ architecture: "amd64", os: "linux", created: "2023-11-14T22:13:20Z", rootfs: { type: "layers", diff_ids: [ID] } });
    expect(JSON.stringify(c)).not.toMatch(/hostname|\/tmp|\/root/);
    // Proxmox VE 9.1 takes StopSignal as lxc.signal.halt: systemd halts on SIGRTMIN+3 (SIGTERM re-executes it).
    expect(c).toMatchObject({ config: { Cmd: ["/sbin/init"], StopSignal: "SIGRTMIN+3" } });
    expect(jsonBlob(MT_CONFIG, c).descriptor.digest).toBe("sha256:6148e450aa73d2a141bd3fd049b6ff4c990902d3fd85dfc1681b27d83f9df905");
  });

  it("gives the image manifest a checked-in digest with org.opencontainers.image annotations", () => {
    const config = jsonBlob(MT_CONFIG, imageConfig(kiln)).descriptor;
    const m = imageManifest(config, layer, { title: "cam-node", version: "1.0.0", revision: ID, created: "2023-11-14T22:13:20Z" });
    const parsed = JSON.parse(m.bytes.toString("utf8")) as { annotations: Record<string, string>; layers: unknown[] };
    expect(parsed.annotations["org.opencontainers.image.revision"]).toBe(ID);
    expect(parsed.layers).toEqual([layer]);
    expect(m.descriptor.digest).toBe(`sha256:${sha256Hex(m.bytes)}`);
    expect(m.descriptor.digest).toBe("sha256:eb447910d88984752458f98818e94c0695f620209e9221ae8cc831622c89ec00");
  });

  it("makes a referrer: empty config, one layer, subject = the image manifest", () => {
    const subject = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${"4".repeat(64)}`, size: 700 };
    const file = { mediaType: MT_SIGNATURE, digest: `sha256:${"5".repeat(64)}`, size: 10 };
    const a = artifactManifest(MT_SIGNATURE, file, subject, "2023-11-14T22:13:20Z");
    const parsed = JSON.parse(a.bytes.toString("utf8")) as Record<string, unknown>;
    expect(parsed).toMatchObject({ artifactType: MT_SIGNATURE, config: EMPTY_BLOB.descriptor, layers: [file], subject });
    expect(a.descriptor.artifactType).toBe(MT_SIGNATURE);
    expect(a.descriptor.digest).toBe("sha256:622104012a3e7d6746a92be4be20e5610840368d72b47ccc6c030f676195cdaa");
  });

  it("has the well-known empty blob and stable index bytes", () => {
    expect(EMPTY_BLOB.descriptor.digest).toBe("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    expect(imageIndex([layer]).equals(imageIndex([{ size: 99, digest: layer.digest, mediaType: MT_LAYER_GZIP }]))).toBe(true);
  });

  it("maps Debian architectures to OCI platforms", () => {
    expect(platformOf("arm64")).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    expect(platformOf("i386").architecture).toBe("386");
  });
});
