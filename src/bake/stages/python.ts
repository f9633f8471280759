// venv and pip layer: a venv at [python].venv with exactly the locked wheels, installed by the image's own pip,
// offline and hash-checked, then `pip check`. Also installs `install = "pip"` checkouts into it.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { ToolError } from "../../errors.js";
import { runInChroot } from "../../exec/sandbox.js";
import type { LockedWheel } from "../../lock/types.js";
import { parseMetadata } from "../../requirements/metadata.js";
import { canonicalizeName } from "../../requirements/names.js";
import { lockedSpec } from "../../requirements/pin-version.js";
import { wheelhouseFromCache } from "../../sources/wheels.js";
import type { ManifestPython } from "../../store/types.js";
import { bakeEnv, type BakeContext } from "../context.js";
import { inRoot } from "../paths.js";

/** Where the wheelhouse appears inside the image while the layer runs: a read-only bind (mount point removed afterwards). */
export const WHEELHOUSE_IN_IMAGE = "/tmp/kiln-wheelhouse";

/** Environment for pip in the image: no prompts, no version check, no cache, no user config. */
function pipEnv(ctx: Pick<BakeContext, "epoch">): Record<string, string> {
  return { ...bakeEnv(ctx), PIP_NO_INPUT: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_CACHE_DIR: "1", PIP_CONFIG_FILE: "/dev/null", HOME: "/root" };
}

/** The --require-hashes requirements file pip installs from: one exact pin per locked wheel (=== for a non-PEP 440 version). */
export function lockedRequirements(wheels: readonly LockedWheel[]): string {
  return wheels.map((w) => `${lockedSpec(w)} --hash=sha256:${w.sha256}\n`).join("");
}

/**
 * argv for installing into the venv offline. --no-deps: the lock already is the closure (checked at fetch
 * and again before bootstrap); --no-compile: bytecode is not reproducible and normalize strips it anyway.
 */
export function pipInstallArgv(venv: string, args: readonly string[]): string[] {
  return [
    posix.join(venv, "bin/python"),
    "-m",
    "pip",
    "install",
    "--no-index",
    "--no-deps",
    "--no-compile",
    "--disable-pip-version-check",
    "--find-links",
    WHEELHOUSE_IN_IMAGE,
    ...args,
  ];
}

/**
 * Makes the empty venv with the image's own python (ensurepip: most of the pip layer's time). A stage of
 * its own, so the layer cache keeps it: a changed pin starts from the venv.
 */
export async function makeVenv(ctx: Pick<BakeContext, "recipe" | "root" | "epoch">): Promise<void> {
  const py = ctx.recipe.python;
  if (!py) return;
  await runInChroot(ctx.root, ["/usr/bin/python3", "-m", "venv", py.venv], { env: pipEnv(ctx) });
}

/** Installs the locked wheels and the pip-built checkouts into the venv; returns early when the recipe has no [python]. */
export async function installPython(ctx: Pick<BakeContext, "recipe" | "lock" | "cache" | "root" | "work" | "epoch">): Promise<void> {
  const py = ctx.recipe.python;
  if (!py) return;
  // The wheelhouse (hard links into the cache) stays outside the image; pip sees it through a read-only
  // bind, so code it runs cannot write to the cache.
  const house = join(ctx.work, "wheelhouse");
  const mountPoint = inRoot(ctx.root, WHEELHOUSE_IN_IMAGE, "wheelhouse");
  await rm(house, { recursive: true, force: true });
  await wheelhouseFromCache({ cache: ctx.cache, wheels: ctx.lock.wheels, dir: house });
  // Made afresh: whatever the image had there (a symlink, say) must not become the mount point.
  await rm(mountPoint, { recursive: true, force: true });
  await mkdir(mountPoint, { recursive: true });
  const env = pipEnv(ctx);
  const opts = { env, binds: [{ host: house, mountPoint }] };
  try {
    if (ctx.lock.wheels.length) {
      await writeFile(join(house, "locked.txt"), lockedRequirements(ctx.lock.wheels));
      await runInChroot(ctx.root, pipInstallArgv(py.venv, ["--require-hashes", "--only-binary", ":all:", "-r", `${WHEELHOUSE_IN_IMAGE}/locked.txt`]), opts);
    }
    for (const c of ctx.recipe.checkouts.filter((x) => x.install === "pip")) {
      // Build isolation stays on: the build backend comes from the wheelhouse (--no-index), never the network.
      await runInChroot(ctx.root, pipInstallArgv(py.venv, [c.dest]), opts);
    }
    const check = await runInChroot(ctx.root, [posix.join(py.venv, "bin/python"), "-m", "pip", "check"], { ...opts, allowFailure: true });
    if (check.exitCode !== 0) throw new ToolError(`pip check in ${py.venv} found broken requirements:\n${check.stdout.trim()}`);
  } finally {
    await rm(house, { recursive: true, force: true });
    await rm(mountPoint, { recursive: true, force: true });
  }
}

/** Every distribution installed in the venv (from its *.dist-info/METADATA), for the manifest. */
export async function venvDistributions(root: string, venv: string | undefined): Promise<ManifestPython[]> {
  if (!venv) return [];
  const lib = inRoot(root, posix.join(venv, "lib"), "venv");
  const out: ManifestPython[] = [];
  for (const pyDir of await readdir(lib).catch(() => [] as string[])) {
    const site = join(lib, pyDir, "site-packages");
    for (const d of await readdir(site).catch(() => [] as string[])) {
      if (!d.endsWith(".dist-info")) continue;
      const text = await readFile(join(site, d, "METADATA"), "utf8").catch(() => undefined);
      if (text === undefined) continue;
      const m = parseMetadata(text, join(venv, "lib", pyDir, "site-packages", d, "METADATA"));
      out.push({ name: canonicalizeName(m.name), version: m.version });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}
