// File-system helpers that keep the "nothing half-written" promise.
import { mkdir, open, rename, rm, mkdtemp } from "node:fs/promises";
import { dirname, basename, join } from "node:path";

/** Writes a file atomically: temp file in the same directory, fsync, rename over the target, fsync dir. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fh = await open(tmp, "wx", 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncPath(dirname(path));
}

/** fsyncs a file or a directory by path: a file's data (written by someone else), or a rename in a directory, survives a crash. */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A fresh private temporary directory next to `near` (same file system, so rename works). */
export async function tempDirIn(near: string, prefix: string): Promise<string> {
  await mkdir(near, { recursive: true });
  return mkdtemp(join(near, `.${prefix}-`));
}
