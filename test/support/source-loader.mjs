// For test children (plain node processes a test can SIGKILL): loads kiln's TypeScript sources through
// Vite's SSR loader, since plain node cannot import .ts. `root` is the project directory.
import { createServer } from "vite";

/** A loader of modules by project path ("/src/..."), for the project at `root`. */
export async function sourceLoader(root) {
  const server = await createServer({
    root,
    configFile: false,
    logLevel: "silent",
    appType: "custom",
    server: { middlewareMode: true, hmr: false, ws: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  return (path) => server.ssrLoadModule(path);
}
