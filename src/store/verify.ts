// Re-verifying a stored template on read: the compressed file's sha256 against the manifest's
// template.sha256 (what a host checks after upload), and, where asked, the uncompressed tar's sha256
// against the image id (the id IS that digest). One streamed read of the file feeds both hashes.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { pipeline, Transform } from "node:stream";
import { openDecompressor } from "../archive/compress.js";
import { assertManifestSound, damaged } from "./integrity.js";
import { hexOf } from "./layout.js";
import { readManifest, storedImage } from "./read.js";
import type { Manifest, StoredImage } from "./types.js";
import { bytesOf, errnoCode, messageOf } from "../util/thrown.js";

/** A template being read and verified: its decompressed bytes, then finish() to check both digests. */
export interface VerifiedTemplate {
  /** The uncompressed tar stream; a consumer may stop early (finish() reads the rest). */
  readonly chunks: AsyncIterable<Buffer>;
  /** Reads what is left, then throws the damage error (CheckFailed) if a digest differs or the read failed. */
  finish(): Promise<void>;
}

/** Why a read failed, for a damage message. */
function reason(e: unknown): string {
  const code = errnoCode(e);
  if (code === "ENOENT") return "the template file is missing";
  return `cannot read or decompress the template (${messageOf(e).split("\n")[0]})`;
}

/** Opens the template of a (sound) manifest for one verifying read; see VerifiedTemplate. */
export function openVerifiedTemplate(image: StoredImage, m: Manifest): VerifiedTemplate {
  const fileHash = createHash("sha256");
  const tarHash = createHash("sha256");
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      fileHash.update(chunk);
      done(null, chunk);
    },
  });
  const d = openDecompressor(m.template.compression);
  const out = pipeline(createReadStream(image.template, { highWaterMark: 1 << 20 }), tap, d.stream, () => undefined);
  let ended = false;
  let failure: unknown;
  const it = (async function* () {
    try {
      for await (const c of out) {
        const b = bytesOf(c);
        tarHash.update(b);
        yield b;
      }
      await d.done;
      ended = true;
    } catch (e) {
      failure = e;
      d.stop();
      throw e;
    }
  })();
  // No return(): a consumer that stops early leaves the stream open for finish() to drain.
  const chunks: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => ({ next: () => it.next() }) };
  return {
    chunks,
    finish: async () => {
      if (!ended && failure === undefined) {
        try {
          while (!(await it.next()).done);
        } catch {
          /* recorded in failure */
        }
      }
      const where = image.template;
      if (failure !== undefined) throw damaged(m.image, `${where}: ${reason(failure)}`);
      const file = fileHash.digest("hex");
      if (file !== m.template.sha256) throw damaged(m.image, `${where}: its sha256 is ${file}, the manifest's template.sha256 is ${m.template.sha256}`);
      const tar = `sha256:${tarHash.digest("hex")}`;
      if (tar !== m.image) throw damaged(m.image, `${where}: the uncompressed tar's sha256 is ${tar}, the image id says ${m.image}`);
    },
  };
}

/** Checks the compressed template's sha256 against the manifest (one read; no decompression). */
async function verifyCompressed(image: StoredImage, m: Manifest): Promise<void> {
  const h = createHash("sha256");
  try {
    for await (const c of createReadStream(image.template, { highWaterMark: 1 << 20 })) h.update(bytesOf(c));
  } catch (e) {
    throw damaged(m.image, `${image.template}: ${reason(e)}`);
  }
  const got = h.digest("hex");
  if (got !== m.template.sha256) throw damaged(m.image, `${image.template}: its sha256 is ${got}, the manifest's template.sha256 is ${m.template.sha256}`);
}

/**
 * Verifies a stored image before its template is handed on: manifest sound and paths confined, the
 * compressed sha256 as the manifest says, and with `deep` the uncompressed tar's sha256 equal to the id.
 * Throws CheckFailed (exit 1) naming the image, the file, both digests and what to do.
 */
export async function verifyTemplate(image: StoredImage, m: Manifest, o: { readonly deep?: boolean } = {}): Promise<void> {
  assertManifestSound(m);
  if (!o.deep) return verifyCompressed(image, m);
  const v = openVerifiedTemplate(image, m);
  await v.finish();
}

/** Reads image `id`'s manifest and verifies its template (see verifyTemplate); returns both. */
export async function verifiedImage(
  store: string,
  id: string,
  o: { readonly deep?: boolean } = {},
): Promise<{ readonly image: StoredImage; readonly manifest: Manifest }> {
  const manifest = await readManifest(store, id);
  assertManifestSound(manifest, hexOf(id));
  const image = storedImage(store, manifest);
  await verifyTemplate(image, manifest, o);
  return { image, manifest };
}
