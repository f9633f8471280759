// sha256 helpers: hex digests of bytes, strings and files (streamed).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { bytesOf } from "./thrown.js";

/** sha256 hex of bytes or a UTF-8 string. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** sha256 hex of a file's contents, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(bytesOf(chunk));
  return h.digest("hex");
}

/** True for 64 lowercase hex characters. */
export function isSha256Hex(s: string): boolean {
  return /^[0-9a-f]{64}$/.test(s);
}
