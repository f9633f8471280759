// Child process for run.test.ts: starts `sleep 60` with spawnPiped(), prints its pid, then exits by
// itself once the test writes a line ("exit"), or waits for the test's SIGTERM ("wait").
import { sourceLoader } from "../../support/source-loader.mjs";

const [root, mode] = process.argv.slice(2);
const load = await sourceLoader(root);
const { spawnPiped } = await load("/src/exec/spawn.ts");
const sleeper = spawnPiped(["sleep", "60"]);
sleeper.catch(() => undefined);
process.stdout.write(`${sleeper.pid}\n`);
if (mode === "exit") process.stdin.once("data", () => process.exit(0));
else setInterval(() => undefined, 1000);
