// `kiln pull`: the image manifest, its blobs and its referrers are downloaded into a layout in the
// store's temp area, every digest checked while the bytes arrive (manifest bytes against the digest
// asked for or announced; each blob streamed to disk while hashed), then imported by the same code as
// `kiln import` (planImport: configs, diff_id, kiln manifest, attestations), so there is one import path.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { PassThrough } from "node:stream";
import { once } from "node:events";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../errors.js";
import { checkAllowedSigners, type TrustPolicy } from "../../trust/verify.js";
import { canonicalJson } from "../../util/canonical-json.js";
import { sha256Hex } from "../../util/hash.js";
import { hexOf } from "../../store/layout.js";
import { quoteInput } from "../../util/quote.js";
import { scanLayer, type LayerScan } from "../bundle.js";
import { bad, type ExtractedLayout } from "../extract.js";
import { importLayout, type ImportResult } from "../import.js";
import { blobPath } from "../layout.js";
import type { Descriptor } from "../manifest.js";
import { A_REF_NAME, ARTIFACT_TYPES, LAYER_TYPES, MT_INDEX, MT_MANIFEST, OCI_LAYOUT_VERSION } from "../media-types.js";
import { asArray, asDigest, asObject } from "../validate.js";
import { MAX_MANIFEST_BYTES, readBounded, RegistryClient, type ClientOptions } from "./client.js";
import { formatRef, type RegistryRef } from "./reference.js";

export interface PullResult extends ImportResult {
  readonly ref: string;
  readonly manifest: string;
  readonly referrers: number;
}

/** What one pull is writing: the layout dir, the blobs held, the label for messages. */
interface Fetch {
  readonly c: RegistryClient;
  readonly dir: string;
  readonly label: string;
  readonly blobs: Map<string, number>;
  /** Layers decompressed and indexed while they download (on the other core), by digest. */
  readonly scans: Map<string, Promise<LayerScan>>;
}

/** GETs a manifest (or index) by tag or digest; its bytes must hash to `expect` or the announced digest. */
async function getManifest(f: Fetch, reference: string, accept: string, expect?: string): Promise<{ bytes: Buffer; digest: string } | undefined> {
  const res = await f.c.request({ method: "GET", url: `/v2/${f.c.repo}/manifests/${reference}`, headers: { accept } });
  if (res.status === 404) {
    res.body.resume();
    return undefined;
  }
  if (res.status !== 200) throw await f.c.fail(res, `GET manifest ${reference}`);
  const bytes = await readBounded(res.body, MAX_MANIFEST_BYTES, `manifest ${reference}`);
  const digest = `sha256:${sha256Hex(bytes)}`;
  const announced = res.headers["docker-content-digest"];
  if (expect !== undefined && digest !== expect) throw bad(f.label, `manifest ${reference}: the registry sent bytes with digest ${digest}, not ${expect}`);
  if (typeof announced === "string" && announced !== digest)
    throw bad(f.label, `manifest ${reference}: the registry announced digest ${quoteInput(announced)} for bytes with digest ${digest}`);
  return { bytes, digest };
}

/** Keeps a verified JSON blob in the layout. */
async function keep(f: Fetch, digest: string, bytes: Buffer): Promise<void> {
  await writeFile(blobPath(f.dir, digest), bytes);
  f.blobs.set(digest, bytes.length);
}

/**
 * Downloads a blob to the layout, hashing it while it streams; more bytes than `size` or another digest is
 * refused. A layer (`layer` given) is also fed, as it arrives, to scanLayer (decompress, hash the tar,
 * index its files), whose result planImport checks once the blob's own digest has passed.
 */
async function getBlob(f: Fetch, digest: string, size: number, layer?: Descriptor): Promise<void> {
  if (f.blobs.has(digest)) return;
  const res = await f.c.request({ method: "GET", url: `/v2/${f.c.repo}/blobs/${digest}` });
  if (res.status !== 200) throw await f.c.fail(res, `GET blob ${digest}`);
  const h = createHash("sha256");
  const out = createWriteStream(blobPath(f.dir, digest), { flags: "wx" });
  const tee = layer ? new PassThrough({ highWaterMark: 8 << 20 }) : undefined;
  if (tee && layer) {
    const scan = scanLayer(tee, layer, f.label);
    scan.catch(() => undefined); // awaited by planImport; a failed download fails first
    f.scans.set(digest, scan);
  }
  let n = 0;
  try {
    for await (const c of res.body) {
      n += (c as Buffer).length;
      if (n > size) throw bad(f.label, `blob ${digest}: more than the ${size} bytes its descriptor says`);
      h.update(c as Buffer);
      const waits = [out.write(c) ? undefined : once(out, "drain"), tee && !tee.destroyed && !tee.write(c) ? teeRoom(tee) : undefined];
      if (waits.some(Boolean)) await Promise.all(waits);
    }
    tee?.end();
  } catch (e) {
    tee?.destroy(e as Error);
    throw e;
  } finally {
    res.body.destroy();
    out.end();
    await once(out, "close");
  }
  const got = `sha256:${h.digest("hex")}`;
  if (got !== digest || n !== size) throw bad(f.label, `blob ${digest}: received ${n} bytes with digest ${got}`);
  f.blobs.set(digest, n);
}

/** Resolves when the scan takes more bytes, or has stopped (its error is planImport's to report). */
function teeRoom(tee: PassThrough): Promise<unknown> {
  return Promise.race([once(tee, "drain"), once(tee, "close")]).catch(() => undefined);
}

/** A descriptor's digest and size, checked before either reaches a URL or a path. */
function target(v: unknown, f: Fetch, where: string): { digest: string; size: number } {
  const o = asObject(v, f.label, where);
  const size = o["size"];
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw bad(f.label, `${where}.size is not a whole number of bytes`);
  return { digest: asDigest(o["digest"], f.label, `${where}.digest`), size };
}

/** Fetches a manifest's config and layers; returns the parsed manifest. */
async function getManifestBlobs(f: Fetch, m: { bytes: Buffer; digest: string }, where: string): Promise<Record<string, unknown>> {
  await keep(f, m.digest, m.bytes);
  let j: unknown;
  try {
    j = JSON.parse(m.bytes.toString("utf8"));
  } catch {
    throw bad(f.label, `${where}: not JSON`);
  }
  const o = asObject(j, f.label, where);
  // Only OCI image manifests (what kiln push writes) are followed: no Docker schema 2, no image index.
  if (o["mediaType"] !== MT_MANIFEST) throw bad(f.label, `${where}: media type ${quoteInput(String(o["mediaType"]))} is not ${MT_MANIFEST}`);
  const config = target(o["config"], f, `${where}.config`);
  const layers = asArray(o["layers"], f.label, `${where}.layers`).map((l, i) => ({ ...target(l, f, `${where}.layers[${i}]`), l }));
  await getBlob(f, config.digest, config.size);
  // An image's layers are scanned while they download; an artifact's file is only kept.
  const isImage = o["artifactType"] === undefined && LAYER_TYPES.includes(String((layers[0]?.l as { mediaType?: unknown } | undefined)?.mediaType));
  for (const p of layers)
    await getBlob(f, p.digest, p.size, isImage ? { mediaType: String((p.l as { mediaType?: unknown }).mediaType), digest: p.digest, size: p.size } : undefined);
  return o;
}

/** The referrers of `subject`: the referrers API if the registry has it, else the tag schema index. */
async function referrersOf(f: Fetch, subject: string): Promise<Descriptor[]> {
  const res = await f.c.request({ method: "GET", url: `/v2/${f.c.repo}/referrers/${subject}`, headers: { accept: MT_INDEX } });
  let bytes: Buffer | undefined;
  if (res.status === 200) bytes = await readBounded(res.body, MAX_MANIFEST_BYTES, `referrers of ${subject}`);
  else {
    res.body.resume();
    bytes = (await getManifest(f, subject.replace(":", "-"), MT_INDEX))?.bytes;
  }
  if (bytes === undefined) return [];
  let j: unknown;
  try {
    j = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw bad(f.label, `referrers index of ${subject}: not JSON`);
  }
  const list = asArray(asObject(j, f.label, "referrers index")["manifests"], f.label, "referrers index manifests");
  // Only kiln's own artifact types are taken (other tools' signatures may share the index).
  return list.filter((d): d is Descriptor => typeof d === "object" && d !== null && ARTIFACT_TYPES.includes(String((d as Descriptor).artifactType)));
}

/** The image id a config names (its one diff_id), checked as a digest. */
function diffIdOf(f: Fetch, config: Buffer): string {
  let j: unknown;
  try {
    j = JSON.parse(config.toString("utf8"));
  } catch {
    throw bad(f.label, "image config: not JSON");
  }
  const rootfs = asObject(asObject(j, f.label, "config")["rootfs"], f.label, "config.rootfs");
  return asDigest(asArray(rootfs["diff_ids"], f.label, "config.rootfs.diff_ids")[0], f.label, "config.rootfs.diff_ids[0]");
}

/** Downloads image `ref` and its kiln referrers into a layout at `dir`. */
async function fetchLayout(f: Fetch, ref: RegistryRef): Promise<{ layout: ExtractedLayout; manifest: string; referrers: number }> {
  await mkdir(join(f.dir, "blobs", "sha256"), { recursive: true });
  const reference = ref.digest ?? (ref.tag as string);
  const m = await getManifest(f, reference, MT_MANIFEST, ref.digest);
  if (!m) throw new UserError({ key: "REGISTRY/REPO", message: `${formatRef(ref)}: no such manifest in the registry; nothing was imported` });
  const o = await getManifestBlobs(f, m, "image manifest");
  const config = target(o["config"], f, "image manifest.config");
  const diffId = diffIdOf(f, await readFile(blobPath(f.dir, config.digest)));
  const listed: Descriptor[] = [{ mediaType: MT_MANIFEST, digest: m.digest, size: m.bytes.length, annotations: { [A_REF_NAME]: hexOf(diffId) } }];
  for (const [i, d] of (await referrersOf(f, m.digest)).entries()) {
    const t = target(d, f, `referrers[${i}]`);
    const r = await getManifest(f, t.digest, MT_MANIFEST, t.digest);
    if (!r) throw bad(f.label, `referrer ${t.digest} is listed but missing`);
    await getManifestBlobs(f, r, `referrer ${t.digest}`);
    listed.push({
      mediaType: MT_MANIFEST,
      digest: t.digest,
      size: r.bytes.length,
      artifactType: String(d.artifactType),
      ...(d.annotations ? { annotations: d.annotations } : {}),
    });
  }
  const indexJson = Buffer.from(canonicalJson({ schemaVersion: 2, mediaType: MT_INDEX, manifests: listed }), "utf8");
  const ociLayout = Buffer.from(canonicalJson({ imageLayoutVersion: OCI_LAYOUT_VERSION }), "utf8");
  await writeFile(join(f.dir, "index.json"), indexJson);
  await writeFile(join(f.dir, "oci-layout"), ociLayout);
  return { layout: { dir: f.dir, indexJson, ociLayout, blobs: f.blobs, scans: f.scans }, manifest: m.digest, referrers: listed.length - 1 };
}

/** Pulls `ref` into the store (verified completely first; with `trust`, only if signed as the policy says). */
export async function pull(store: string, ref: RegistryRef, o: ClientOptions & { readonly trust?: TrustPolicy }): Promise<PullResult> {
  if (ref.digest === undefined && ref.tag === undefined)
    throw new UserError({ key: "REGISTRY/REPO", message: `${formatRef(ref)}: name a tag (:TAG) or a digest (@sha256:…)` });
  if (o.trust) await checkAllowedSigners(o.trust.allowedSigners, "--trust");
  const c = new RegistryClient(ref.host, ref.repo, o);
  const label = formatRef(ref);
  let manifest = "";
  let referrers = 0;
  const r = await importLayout(
    store,
    label,
    async (dir) => {
      const got = await fetchLayout({ c, dir, label, blobs: new Map(), scans: new Map() }, ref);
      manifest = got.manifest;
      referrers = got.referrers;
      return got.layout;
    },
    o,
  );
  return { ...r, ref: label, manifest, referrers };
}
