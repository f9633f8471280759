// Child process for sweep.test.ts: makes a bake scratch dir in the cache the way bake does (with a
// read-only subdirectory, like a rootfs has), prints its path, then waits to be SIGKILLed.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sourceLoader } from "../../support/source-loader.mjs";

const [root, cache] = process.argv.slice(2);
const load = await sourceLoader(root);
const { cacheTemp } = await load("/src/sources/cache.ts");
const work = await cacheTemp(cache, "bake");
await mkdir(join(work, "rootfs", "usr", "bin"), { recursive: true });
await writeFile(join(work, "rootfs", "usr", "bin", "tool"), "x");
await chmod(join(work, "rootfs", "usr", "bin"), 0o555);
await chmod(join(work, "rootfs", "usr"), 0o555);
process.stdout.write(`made ${work}\n`);
setInterval(() => undefined, 1000); // stay alive until killed
