// Transport to the machine kiln runs on: commands are plain subprocesses, files are copied in place.
import { copyFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ToolError } from "../../errors.js";
import { deathSignalPrefix, run } from "../../exec/run.js";
import { fsyncPath } from "../../util/fs.js";
import type { Transport } from "../types.js";

/** The local host as a Transport. */
export function localTransport(): Transport {
  return {
    describe: "local",
    // Each command dies with kiln: killed mid-create, a tar must not go on unpacking into the slot resume rebuilds.
    // (lxc-start's container outlives it: the monitor it forks does not inherit the death signal.)
    run: (argv, opts) => run([...deathSignalPrefix(), ...argv], { input: opts?.input, allowFailure: opts?.allowFailure, timeoutMs: opts?.timeoutMs }),
    copyTo: copyLocal,
    close: async () => undefined,
  };
}

/** Copies to a temporary name beside the target, then renames: readers never see half a file. */
async function copyLocal(localPath: string, remotePath: string): Promise<void> {
  const tmp = join(dirname(remotePath), `.${basename(remotePath)}.kiln-tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await copyFile(localPath, tmp);
    await rename(tmp, remotePath);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new ToolError(`copying ${localPath} to ${remotePath}: ${(e as Error).message}`, { cause: e });
  }
  await fsyncPath(dirname(remotePath));
}
