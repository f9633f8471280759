// Child process for atomic.test.ts: starts adding an image whose one big file never finishes streaming,
// prints "stalled" once the pack is under way, then waits to be SIGKILLed. Loads the TypeScript sources
// through Vite's SSR loader (plain node cannot import .ts).
import { Readable } from "node:stream";
import { createServer } from "vite";

const [root, store] = process.argv.slice(2);
const server = await createServer({
  root,
  configFile: false,
  logLevel: "silent",
  appType: "custom",
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const { addImage } = await server.ssrLoadModule("/src/store/add.ts");
const { memorySource } = await server.ssrLoadModule("/src/archive/memory.ts");
const { minimalTree } = await server.ssrLoadModule("/test/unit/check/minimal-tree.ts");
const { meta } = await server.ssrLoadModule("/test/unit/store/helpers.ts");

const mem = memorySource(minimalTree({ add: [{ path: "etc/big", content: "x".repeat(1 << 20) }] }));
/** Gives 64 KiB of the big file, says so, and then never more. */
function stalling() {
  let sent = false;
  return new Readable({
    read() {
      if (sent) return;
      sent = true;
      this.push(Buffer.alloc(1 << 16, 0x78));
      process.stdout.write("stalled\n");
    },
  });
}
const source = { entries: () => mem.entries(), open: (p) => (p === "etc/big" ? stalling() : mem.open(p)) };
setInterval(() => undefined, 1000); // stay alive while the pack waits
await addImage(store, { source, meta: meta({ inputs: `sha256:${"9".repeat(64)}` }), compression: { kind: "gzip" } });
process.stdout.write("finished (should never happen)\n");
