// kiln's own version, part of every inputs hash (a new kiln may bake differently).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/** Walks up from this file to the package.json that ships with it (works from src/ and dist/src/). */
function findPackageJson(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const p = join(dir, "package.json");
      const pkg = JSON.parse(readFileSync(p, "utf8")) as { name?: string };
      if (pkg.name === "kiln") return p;
    } catch {
      /* keep walking */
    }
    dir = dirname(dir);
  }
  throw new Error("kiln: cannot find its package.json");
}

export const packageRoot = dirname(findPackageJson());
export const kilnVersion: string = (JSON.parse(readFileSync(findPackageJson(), "utf8")) as { version: string }).version;
