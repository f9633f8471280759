// Child process for run.test.ts: starts `sleep 60` with spawnPiped(), prints its pid, then exits by
// itself once the test writes a line ("exit"), or waits for the test's SIGTERM ("wait"). Loads the TypeScript sources through Vite's
// SSR loader (plain node cannot import .ts).
import { createServer } from "vite";

const [root, mode] = process.argv.slice(2);
const server = await createServer({
  root,
  configFile: false,
  logLevel: "silent",
  appType: "custom",
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const { spawnPiped } = await server.ssrLoadModule("/src/exec/spawn.ts");
const sleeper = spawnPiped(["sleep", "60"]);
sleeper.catch(() => undefined);
process.stdout.write(`${sleeper.pid}\n`);
if (mode === "exit") process.stdin.once("data", () => process.exit(0));
else setInterval(() => undefined, 1000);
