// Regenerates test/unit/archive/golden.json, the archive golden test's pinned image id.
// Run it only when a change to the archive bytes is intended (it changes every image id):
//
//   npm run build && node dist/scripts/regen-golden.js
//
// then commit golden.json with a message that says why the bytes changed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalJson } from "../src/util/canonical-json.js";
import { writeFileAtomic } from "../src/util/fs.js";
import { computeGolden } from "../test/unit/archive/golden-tree.js";

/** The project root: this file lives in scripts/, or in dist/scripts/ once built. */
function projectRoot(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  return here.split("/").includes("dist") ? resolve(here, "../..") : resolve(here, "..");
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "kiln-golden-"));
  try {
    const golden = await computeGolden(dir);
    const file = join(projectRoot(), "test/unit/archive/golden.json");
    await writeFileAtomic(file, canonicalJson(golden));
    process.stdout.write(`${file}: ${golden.id}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
