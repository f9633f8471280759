// What the recipe asks apt for (base.include plus [apt] packages, `name` or `name=version`), and the
// user-facing error when a pinned version or a package is not on the mirror.
import type { AptPackage, Recipe } from "../../recipe/types.js";

/** One package request, with where the recipe wrote it (for messages). */
export interface AptRequest extends AptPackage {
  readonly key: string;
}

/** Every requested package: base.include first, then [apt] packages; a later request for a name wins. */
export function aptRequests(recipe: Pick<Recipe, "base" | "apt">): AptRequest[] {
  const byName = new Map<string, AptRequest>();
  recipe.base.include.forEach((spec, i) => {
    const [name = spec, version] = spec.split("=", 2);
    byName.set(name, { name, version, key: `base.include[${i}]` });
  });
  recipe.apt.packages.forEach((p, i) => {
    byName.set(p.name, { ...p, key: `apt.packages[${i}]` });
  });
  return [...byName.values()];
}

/** The request as apt reads it on a command line: `name` or `name=version`. */
export function aptSpec(r: AptPackage): string {
  return r.version ? `${r.name}=${r.version}` : r.name;
}

/** Versions per package from `apt-cache madison` output (`name | version | source`, one line each). */
export function parseMadison(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const cols = line.split("|").map((c) => c.trim());
    const [name, version, source] = cols;
    if (!name || !version || cols.length < 3 || !/Packages/.test(source ?? "")) continue;
    const list = out.get(name) ?? [];
    if (!list.includes(version)) list.push(version);
    out.set(name, list);
  }
  return out;
}

/** A problem with one request, keyed by where the recipe wrote it (the caller adds file and line). */
export interface RequestProblem {
  readonly key: string;
  readonly message: string;
}

/** Problems for every request the mirror cannot satisfy: unknown packages and missing pinned versions. */
export function unavailableRequests(o: {
  readonly requests: readonly AptRequest[];
  readonly available: ReadonlyMap<string, readonly string[]>;
  readonly mirror: string;
}): RequestProblem[] {
  const where = o.mirror === "host" ? "the build host's apt sources" : `mirror ${o.mirror}`;
  return o.requests.flatMap((r): RequestProblem[] => {
    const versions = o.available.get(r.name) ?? [];
    if (versions.length === 0) {
      return [{ key: r.key, message: `package '${r.name}' is not available from ${where}; check the name (apt-cache search) or the suite and components` }];
    }
    if (r.version && !versions.includes(r.version)) {
      return [
        {
          key: r.key,
          message: `${r.name}=${r.version}: ${where} has no version ${r.version} of ${r.name} (it has: ${versions.join(", ")}); pin one of those, or write just '${r.name}' to take the newest`,
        },
      ];
    }
    return [];
  });
}
