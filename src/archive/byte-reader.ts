// Exact byte counts out of a stream of chunks of any size: the tar parser takes 512-byte headers and
// whole bodies from it, copying only when a request spans chunks. It knows nothing of tar.

/** Pulls exact byte counts out of a chunk stream. */
export class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  offset = 0;

  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  /** Buffers at least `n` bytes unless the stream ends first; false at a premature end. */
  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
        this.chunks.push(b);
        this.buffered += b.length;
      }
    }
    return this.buffered >= n;
  }

  /** Up to `max` bytes (at least 1 unless at the end), without copying when possible. */
  async some(max: number): Promise<Buffer | undefined> {
    if (!(await this.fill(1))) return undefined;
    const first = this.chunks[0];
    if (!first) return undefined; // fill(1) succeeded, so a chunk is buffered: never taken
    const take = Math.min(max, first.length);
    if (take === first.length) this.chunks.shift();
    else this.chunks[0] = first.subarray(take);
    this.buffered -= take;
    this.offset += take;
    return first.subarray(0, take);
  }

  /** Exactly `n` bytes, or undefined if the stream ends first. */
  async exact(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) return undefined;
    const parts: Buffer[] = [];
    for (let got = 0; got < n; ) {
      const b = await this.some(n - got);
      if (!b) return undefined; // fill(n) buffered all n bytes: never taken
      parts.push(b);
      got += b.length;
    }
    const [only] = parts;
    return parts.length === 1 && only ? only : Buffer.concat(parts);
  }

  /** Discards `n` bytes; false if the stream ends first. */
  async skip(n: number): Promise<boolean> {
    for (let left = n; left > 0; ) {
      const b = await this.some(left);
      if (!b) return false;
      left -= b.length;
    }
    return true;
  }

  /** Bytes buffered but not yet taken (non-zero after a failed exact() means a cut-off block). */
  get leftover(): number {
    return this.buffered;
  }

  /** Reads whatever remains, returning the offset of the first non-zero byte (or undefined: all zeros). */
  async drainZeros(): Promise<number | undefined> {
    for (let b = await this.some(1 << 20); b; b = await this.some(1 << 20)) {
      const nz = b.findIndex((x) => x !== 0);
      if (nz !== -1) return this.offset - b.length + nz;
    }
    return undefined;
  }
}
