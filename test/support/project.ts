// A throwaway kiln project for integration tests: the repo's recipes copied (without locks), the
// fixtures linked, and a kiln.toml with its own store and cache inside the project.
import { cp, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "./kiln.js";

/** Creates the project in `dir` (made if missing). */
export async function makeProject(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await cp(join(repoRoot, "recipes"), join(dir, "recipes"), { recursive: true, filter: (src) => !src.endsWith(".lock.json") });
  await symlink(join(repoRoot, "fixtures"), join(dir, "fixtures"));
  await writeFile(join(dir, "kiln.toml"), 'recipe = "recipes/cam-node.toml"\nfind_links = "fixtures/build/wheelhouse"\nstore = "store"\ncache = "cache"\n');
}
