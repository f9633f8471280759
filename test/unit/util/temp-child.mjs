// Child process for sweep.test.ts: makes a bake scratch dir in the cache the way bake does (with a
// read-only subdirectory, like a rootfs has), prints its path, then waits to be SIGKILLed. Loads the
// TypeScript sources through Vite's SSR loader (plain node cannot import .ts).
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createServer } from "vite";

const [root, cache] = process.argv.slice(2);
const server = await createServer({
  root,
  configFile: false,
  logLevel: "silent",
  appType: "custom",
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const { cacheTemp } = await server.ssrLoadModule("/src/sources/cache.ts");
const work = await cacheTemp(cache, "bake");
await mkdir(join(work, "rootfs", "usr", "bin"), { recursive: true });
await writeFile(join(work, "rootfs", "usr", "bin", "tool"), "x");
await chmod(join(work, "rootfs", "usr", "bin"), 0o555);
await chmod(join(work, "rootfs", "usr"), 0o555);
process.stdout.write(`made ${work}\n`);
setInterval(() => undefined, 1000); // stay alive until killed
