// Child process for journal.test.ts: appends journal lines (some large, so a write can be cut) as fast as
// it can and prints "writing" once under way; the test SIGKILLs it.
import { sourceLoader } from "../../support/source-loader.mjs";

const [root, path] = process.argv.slice(2);
const load = await sourceLoader(root);
const { JournalWriter } = await load("/src/deploy/journal.ts");
const w = await JournalWriter.open(path);
for (let i = 0; ; i++) {
  await w.append({ deploy: "d-kill", node: `n${i}`, event: "begin", image: `sha256:${"a".repeat(64)}`, message: "x".repeat(i % 7 === 0 ? 256 * 1024 : 10) });
  if (i === 20) process.stdout.write("writing\n");
}
