// `kiln push`: the image is written as an OCI layout in the store's temp area (the same writer as
// `kiln oci`; the template linked in and its digest checked while uploading), then sent: each blob HEADed and uploaded only if missing (POST,
// then one PUT streaming the file), the image manifest PUT by tag and digest, each referrer (kiln
// manifest, attestations) PUT by digest and listed in the referrers tag schema index `sha256-<hex>`.
import { createReadStream } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { ToolError, UserError } from "../../errors.js";
import { readManifest } from "../../store/read.js";
import { resolveStored } from "../../store/refs.js";
import { newTempDir } from "../../store/tmp.js";
import { verifiedImage } from "../../store/verify.js";
import { canonicalJson } from "../../util/canonical-json.js";
import { blobPath } from "../layout.js";
import type { Descriptor } from "../manifest.js";
import { MT_INDEX } from "../media-types.js";
import type { LayerCompression } from "../media-types.js";
import { writeOci } from "../write.js";
import { MAX_MANIFEST_BYTES, readBounded, RegistryClient, type ClientOptions } from "./client.js";
import { formatRef, type RegistryRef } from "./reference.js";

export interface PushResult {
  readonly id: string;
  readonly ref: string;
  readonly manifest: string;
  readonly uploaded: number;
  readonly skipped: number;
  readonly referrers: number;
  /** The fallback tag the referrers are listed under, when the registry has no referrers API. */
  readonly referrersTag?: string;
}

/** Counts of blobs sent and skipped, and each blob's one push (referrers pushed at once share the empty config). */
interface Tally {
  uploaded: number;
  skipped: number;
  readonly blobs: Map<string, Promise<void>>;
}

/** Uploads one blob of the layout unless the registry has it (monolithic: POST, then PUT streaming the file). */
async function pushBlob(c: RegistryClient, dir: string, d: Descriptor, t: Tally): Promise<void> {
  const head = await c.request({ method: "HEAD", url: `/v2/${c.repo}/blobs/${d.digest}` });
  head.body.resume();
  if (head.status === 200) {
    t.skipped++;
    return;
  }
  if (head.status !== 404) throw await c.fail(head, `HEAD blob ${d.digest}`);
  const start = await c.request({ method: "POST", url: `/v2/${c.repo}/blobs/uploads/`, length: 0 });
  if (start.status !== 202 || typeof start.headers.location !== "string") throw await c.fail(start, `starting the upload of ${d.digest}`);
  start.body.resume();
  const loc = c.url(start.headers.location);
  loc.searchParams.append("digest", d.digest);
  const path = blobPath(dir, d.digest);
  const put = await c.request({
    method: "PUT",
    url: loc.href,
    headers: { "content-type": "application/octet-stream" },
    body: () => createReadStream(path, { highWaterMark: 1 << 20 }),
    length: d.size,
  });
  if (put.status !== 201) throw await c.fail(put, `uploading ${d.digest}`);
  put.body.resume();
  t.uploaded++;
}

/** PUTs manifest bytes under `reference`; returns whether the registry said it indexed the subject (OCI-Subject). */
async function putManifest(c: RegistryClient, mediaType: string, bytes: Buffer, reference: string): Promise<boolean> {
  const res = await c.request({
    method: "PUT",
    url: `/v2/${c.repo}/manifests/${reference}`,
    headers: { "content-type": mediaType },
    body: bytes,
    length: bytes.length,
  });
  if (res.status !== 201) throw await c.fail(res, `PUT manifest ${reference}`);
  res.body.resume();
  return res.headers["oci-subject"] !== undefined;
}

/** Pushes a manifest of the layout (its blobs first, at once) under its digest and `tags`, once `ready` holds. */
async function pushManifest(o: {
  c: RegistryClient;
  dir: string;
  d: Descriptor;
  tags: readonly string[];
  t: Tally;
  ready?: Promise<unknown>;
}): Promise<boolean> {
  const { c, dir, d, tags, t } = o;
  const bytes = await readFile(blobPath(dir, d.digest));
  const m = JSON.parse(bytes.toString("utf8")) as { config: Descriptor; layers: Descriptor[] };
  await Promise.all(
    [m.config, ...m.layers].map((b) => {
      const p = t.blobs.get(b.digest) ?? pushBlob(c, dir, b, t);
      t.blobs.set(b.digest, p);
      return p;
    }),
  );
  await o.ready; // nothing names a blob before the template is verified
  let indexed = false;
  for (const ref of [...tags, d.digest]) indexed = (await putManifest(c, d.mediaType, bytes, ref)) || indexed;
  return indexed;
}

/** The referrers tag schema: an image index tagged `sha256-<hex>` listing the subject's referrers, merged with what is there. */
async function pushReferrersTag(c: RegistryClient, subject: string, referrers: readonly Descriptor[]): Promise<string> {
  const tag = subject.replace(":", "-");
  const res = await c.request({ method: "GET", url: `/v2/${c.repo}/manifests/${tag}`, headers: { accept: MT_INDEX } });
  let have: Descriptor[] = [];
  if (res.status === 200) {
    const text = (await readBounded(res.body, MAX_MANIFEST_BYTES, `referrers index ${tag}`)).toString("utf8");
    let j: { manifests?: unknown } | null;
    try {
      j = JSON.parse(text) as typeof j;
    } catch {
      throw new ToolError(`${c.host}/${c.repo}:${tag} is not JSON: not a referrers index; delete that tag or push elsewhere`);
    }
    // Entries other tools wrote are kept as they are, if they look like descriptors at all.
    if (Array.isArray(j?.manifests))
      have = (j.manifests as unknown[]).filter((d): d is Descriptor => typeof d === "object" && d !== null && typeof (d as Descriptor).digest === "string");
  } else if (res.status === 404) res.body.resume();
  else throw await c.fail(res, `GET referrers index ${tag}`);
  // Descriptors other clients listed are kept; ours replace any with the same digest.
  const mine = referrers.map((d) => ({
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    ...(d.annotations ? { annotations: d.annotations } : {}),
  }));
  const manifests = [...have.filter((h) => !mine.some((m) => m.digest === h.digest)), ...mine];
  await putManifest(c, MT_INDEX, Buffer.from(canonicalJson({ schemaVersion: 2, mediaType: MT_INDEX, manifests }), "utf8"), tag);
  return tag;
}

/** Pushes stored image `src` to `dest`. */
export async function push(store: string, src: string, dest: RegistryRef, o: ClientOptions & { readonly compression?: LayerCompression }): Promise<PushResult> {
  if (dest.digest !== undefined)
    throw new UserError({
      key: "REGISTRY/REPO",
      message: `${formatRef(dest)}: push to a tag (or to the repository alone), not to a digest: the digest is the manifest's`,
    });
  const c = new RegistryClient(dest.host, dest.repo, { ...o, push: true });
  const work = await newTempDir(store);
  // The template sent as stored is linked into the temp layout, not copied, and its sha256 (the layer's
  // digest) checked on read while the blobs upload, on the other core; no manifest is PUT before that
  // check passes, and the registry checks the digest of what it got. The layer's diff_id (the image id)
  // is not re-derived here: every kiln pull / import checks it before storing (skopeo does neither).
  const { id } = await resolveStored(store, src);
  const m = await readManifest(store, id);
  const asStored = (o.compression ?? m.template.compression) === m.template.compression;
  const verified = asStored ? verifiedImage(store, id) : Promise.resolve();
  verified.catch(() => undefined); // awaited below; never unhandled
  try {
    const dir = join(work, "layout");
    const written = await writeOci(store, [src], { out: dir, format: "layout", compression: o.compression, link: asStored });
    const image = written.images[0];
    if (!image) throw new Error("internal: writeOci wrote no image");
    const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as { manifests: Descriptor[] };
    const subject = index.manifests.find((d) => d.digest === image.manifest && d.artifactType === undefined) as Descriptor;
    const referrers = index.manifests.filter((d) => d.artifactType !== undefined);
    const t: Tally = { uploaded: 0, skipped: 0, blobs: new Map() };
    await pushManifest({ c, dir, d: subject, tags: dest.tag !== undefined ? [dest.tag] : [], t, ready: verified });
    // The referrers at once: each is a few small requests, and round trips add up.
    const said = await Promise.all(referrers.map((r) => pushManifest({ c, dir, d: r, tags: [], t })));
    const indexed = referrers.length > 0 && said.every(Boolean);
    // A registry without the referrers API (distribution 2.8 among them) does not answer OCI-Subject.
    const referrersTag = indexed || referrers.length === 0 ? undefined : await pushReferrersTag(c, subject.digest, referrers);
    return { id: image.id, ref: formatRef(dest), manifest: subject.digest, ...t, referrers: referrers.length, ...(referrersTag ? { referrersTag } : {}) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
