// One changing command per inventory at a time: `<inventory>.lock` holds the owner (`<pid>.<start time>`)
// of the kiln that swaps. Two deploys interleaving their stop/start steps on one node would leave it in no
// state either planned. A lock whose process is gone (kill -9) is stale and taken over, also when its pid
// now belongs to another process (the start time differs: pids are reused on a busy machine).
import { open, readFile, rm } from "node:fs/promises";
import { ToolError } from "../errors.js";
import { warn } from "../log.js";
import { displayPath } from "../util/display-path.js";
import { ownerAlive, ownerToken, type Owner } from "../util/process.js";

/** Takes the inventory's lock; returns the function that releases it. */
export async function lockInventory(inventoryPath: string): Promise<() => Promise<void>> {
  const path = `${inventoryPath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, "wx", 0o644);
      await fh.writeFile(`${ownerToken()}\n`);
      await fh.sync();
      await fh.close();
      return () => rm(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = lockOwner(await readFile(path, "utf8").catch(() => ""));
    if (owner && ownerAlive(owner)) {
      throw new ToolError(`another kiln (pid ${owner.pid}) is changing the hosts of this inventory (${displayPath(path)}); wait for it to finish`);
    }
    warn(`removing the stale lock ${displayPath(path)} of a kiln run that no longer exists (pid ${owner?.pid ?? "?"})`);
    await rm(path, { force: true });
  }
  throw new ToolError(`could not take the lock ${displayPath(path)}: another kiln keeps taking it`);
}

/** The owner a lock file names: `<pid>.<start>` (or a bare `<pid>`, as older kilns wrote); undefined when unreadable. */
export function lockOwner(text: string): Owner | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  const pid = Number(m?.[1]);
  return m && pid > 0 ? { pid, start: m[2] } : undefined;
}
