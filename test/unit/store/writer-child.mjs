// Child process for atomic.test.ts: starts adding an image whose one big file never finishes streaming,
// prints "stalled" once the pack is under way, then waits to be SIGKILLed.
import { Readable } from "node:stream";
import { sourceLoader } from "../../support/source-loader.mjs";

const [root, store] = process.argv.slice(2);
const load = await sourceLoader(root);
const { addImage } = await load("/src/store/add.ts");
const { memorySource } = await load("/src/archive/memory.ts");
const { minimalTree } = await load("/test/unit/check/minimal-tree.ts");
const { meta } = await load("/test/unit/store/helpers.ts");

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
