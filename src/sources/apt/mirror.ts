// base.mirror → what mmdebstrap resolves against at fetch, and the sources the finished image keeps.
import { UserError } from "../../errors.js";
import { problemIn } from "../../recipe/load.js";
import type { BaseSection, Recipe } from "../../recipe/types.js";
import { hostSourcesFiles, sourcesSuites } from "./host-sources.js";

/** A file to write into the image, at an absolute image path. */
export interface ImageFile {
  readonly path: string;
  readonly text: string;
}

/**
 * mmdebstrap's MIRROR arguments for fetch. "host": the host's sources files themselves (mmdebstrap
 * pastes an existing file's contents, deb822 or one-line, into the chroot), so apt resolves against
 * exactly what the host's apt would, with the keyrings those entries name. Passing no mirror would
 * NOT mean "host": mmdebstrap then falls back to Debian's public default mirror.
 */
export function fetchMirrors(recipe: Recipe, etcApt = "/etc/apt"): string[] {
  const base = recipe.base;
  if (base.mirror !== "host") return [base.mirror];
  const files = hostSourcesFiles(etcApt);
  if (files.length === 0) {
    throw new UserError(
      problemIn(
        recipe,
        "base.mirror",
        `"host" means the build host's apt sources, but ${etcApt}/sources.list and ${etcApt}/sources.list.d/ have no 'deb' entries; add one, or set base.mirror to a mirror URL`,
      ),
    );
  }
  const suites = [...new Set(files.flatMap((f) => sourcesSuites(f.text, f.format)))];
  if (!suites.includes(base.suite)) {
    throw new UserError(
      problemIn(
        recipe,
        "base.suite",
        `'${base.suite}' is not a suite of the build host's apt sources (they have: ${suites.join(", ")}); use one of those, or set base.mirror to a mirror URL that has ${base.suite}`,
      ),
    );
  }
  return files.map((f) => f.path);
}

/**
 * The apt sources the image ships with, so `apt-get` works in a deployed container: for "host" the
 * host's own sources files as they are (same names, deb822 kept); for a URL one `deb` line. The image
 * therefore depends on the host's sources when the recipe says "host", as the resolution itself does.
 */
export function imageSources(base: Pick<BaseSection, "mirror" | "suite" | "components">, etcApt = "/etc/apt"): ImageFile[] {
  if (base.mirror !== "host") {
    return [{ path: "/etc/apt/sources.list", text: `deb ${base.mirror} ${base.suite} ${base.components.join(" ")}\n` }];
  }
  const files = hostSourcesFiles(etcApt).map((f) => ({
    path: f.name === "sources.list" ? "/etc/apt/sources.list" : `/etc/apt/sources.list.d/${f.name}`,
    text: f.text,
  }));
  // The bootstrap wrote its local repository into sources.list; an empty one replaces it when the host has none.
  return files.some((f) => f.path === "/etc/apt/sources.list") ? files : [{ path: "/etc/apt/sources.list", text: "" }, ...files];
}
