// Child process for journal.test.ts: appends journal lines (some large, so a write can be cut) as fast as
// it can and prints "writing" once under way; the test SIGKILLs it. Loads the TypeScript sources through
// Vite's SSR loader (plain node cannot import .ts).
import { createServer } from "vite";

const [root, path] = process.argv.slice(2);
const server = await createServer({
  root,
  configFile: false,
  logLevel: "silent",
  appType: "custom",
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const { JournalWriter } = await server.ssrLoadModule("/src/deploy/journal.ts");
const w = await JournalWriter.open(path);
for (let i = 0; ; i++) {
  await w.append({ deploy: "d-kill", node: `n${i}`, event: "begin", image: `sha256:${"a".repeat(64)}`, message: "x".repeat(i % 7 === 0 ? 256 * 1024 : 10) });
  if (i === 20) process.stdout.write("writing\n");
}
