// An OCI image layout being written: <dir>/oci-layout, <dir>/index.json, <dir>/blobs/sha256/<hex>.
// Blobs are content-addressed, so writing one twice is a no-op; index.json is written last.
import { copyFile, link, mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256File } from "../util/hash.js";
import { canonicalJson } from "../util/canonical-json.js";
import { imageIndex, type Descriptor, type JsonBlob } from "./manifest.js";
import { OCI_LAYOUT_VERSION } from "./media-types.js";

/** Strict blob digest form: what reaches a path under blobs/. */
export const DIGEST_RE = /^sha256:([0-9a-f]{64})$/;

/** The path of a blob in a layout (the digest must already be validated). */
export function blobPath(dir: string, digest: string): string {
  const hex = DIGEST_RE.exec(digest)?.[1];
  if (hex === undefined) throw new Error(`internal: not a sha256 digest: ${digest}`);
  return join(dir, "blobs", "sha256", hex);
}

/** Writes blobs into a layout directory and finally its index. */
export class LayoutWriter {
  private n = 0;
  constructor(readonly dir: string) {}

  /** Creates the directory skeleton. */
  async init(): Promise<void> {
    await mkdir(join(this.dir, "blobs", "sha256"), { recursive: true });
  }

  /** A scratch path inside the layout for a blob being produced (moved in by adoptFile). */
  scratch(): string {
    return join(this.dir, `.partial-${this.n++}`);
  }

  /** Writes a JSON blob; returns its descriptor. */
  async putJson(b: JsonBlob): Promise<Descriptor> {
    await writeFile(blobPath(this.dir, b.descriptor.digest), b.bytes);
    return b.descriptor;
  }

  /** Moves a finished scratch file in as a blob, hashing it; returns its descriptor. */
  async adoptFile(scratch: string, mediaType: string, extra: Partial<Descriptor> = {}): Promise<Descriptor> {
    const [hex, st] = await Promise.all([sha256File(scratch), stat(scratch)]);
    const digest = `sha256:${hex}`;
    await rename(scratch, blobPath(this.dir, digest));
    return { mediaType, digest, size: st.size, ...extra };
  }

  /** Copies a file in as a blob; returns its descriptor. */
  async copyFile(src: string, mediaType: string, extra: Partial<Descriptor> = {}): Promise<Descriptor> {
    const s = this.scratch();
    await copyFile(src, s);
    return this.adoptFile(s, mediaType, extra);
  }

  /**
   * Hard-links a file in as blob `d` (no copy, no hash: the caller verifies it); a copy when it is on
   * another filesystem. Only for a layout that is read and then deleted (kiln push's temp layout): a
   * writable link into the store must never be handed to a user.
   */
  async linkVerified(src: string, d: Descriptor): Promise<Descriptor> {
    const dest = blobPath(this.dir, d.digest);
    await link(src, dest).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== "EXDEV" && e.code !== "EPERM") throw e;
      await copyFile(src, dest);
    });
    return d;
  }

  /** Writes oci-layout and index.json (the layout is complete after this). */
  async finish(manifests: readonly Descriptor[]): Promise<void> {
    await writeFile(join(this.dir, "oci-layout"), canonicalJson({ imageLayoutVersion: OCI_LAYOUT_VERSION }));
    await writeFile(join(this.dir, "index.json"), imageIndex(manifests));
  }

  /** Removes leftover scratch files (after a failure the caller removes the whole directory). */
  async discard(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
