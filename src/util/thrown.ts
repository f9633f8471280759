// What a caught value says, without casting it: a catch clause binds `unknown`, and a rejected promise
// or a throw from a library may hand over anything, not only an Error.

/** The errno code of a failed system call ("ENOENT", "EXDEV", …; zlib's "Z_DATA_ERROR"), or undefined for anything else. */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined;
}

/** The message of a thrown value: an Error's message, else the value as text. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A chunk of a binary stream as a Buffer: file and process streams without an encoding yield Buffers
 * (execa's may yield a Uint8Array); a string or object here is a bug in how the stream was opened.
 */
export function bytesOf(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  throw new TypeError(`expected a binary chunk, got ${typeof chunk}: the stream was opened with an encoding`);
}
