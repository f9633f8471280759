// bootstrap: the first bake stage, offline. mmdebstrap installs exactly the locked debs into ctx.root
// from a local repository built from the cache alone, inside the sandbox (no network, private mounts)
// and pivoted into a mini-root (runMmdebstrap), and the result is checked against the lock before
// anything else builds on it.
import { mkdir, rm, rmdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ToolError } from "../../errors.js";
import { MMDEBSTRAP_HOST_PATHS, mmdebstrapArgv } from "../../exec/argv/mmdebstrap.js";
import { MMDEBSTRAP_CAPS } from "../../exec/argv/pivot.js";
import { checkTool, type RunOptions, type RunResult } from "../../exec/run.js";
import { hostEntries, runInMiniRoot } from "../../exec/sandbox.js";
import type { LockedDeb } from "../../lock/types.js";
import { isVerbose } from "../../log.js";
import { stageDebs } from "../../sources/apt/deb-cache.js";
import type { DebId } from "../../sources/apt/deb-file.js";
import { UNSAFE_IO_OFF_HOOK, UNSAFE_IO_ON_HOOK } from "../../sources/apt/hooks.js";
import { diffInstalled, installedDebs } from "../../sources/apt/installed.js";
import { writeLocalRepo } from "../../sources/apt/local-repo.js";
import { imageSources } from "../../sources/apt/mirror.js";
import { bakeEnv, type BakeContext } from "../context.js";
import { ensureParents } from "../paths.js";

export interface BootstrapOptions {
  /** The host's apt configuration directory, whose sources the image keeps when base.mirror = "host". */
  readonly etcApt?: string;
}

/**
 * How a locked deb is requested from apt: `name=version`, with `:arch` only for a foreign architecture
 * (native and `all` packages need none).
 */
export function pinnedSpec(d: LockedDeb, nativeArch: string): string {
  return d.arch === nativeArch || d.arch === "all" ? `${d.name}=${d.version}` : `${d.name}:${d.arch}=${d.version}`;
}

/** Bootstraps ctx.root (empty or absent) from the locked debs; returns the installed set (= the lock). */
export async function bootstrap(
  ctx: Pick<BakeContext, "recipe" | "lock" | "cache" | "root" | "work" | "epoch">,
  o: BootstrapOptions = {},
): Promise<readonly DebId[]> {
  checkTool("mmdebstrap", "bootstrap the image from the locked debs", "apt-get install mmdebstrap");
  checkTool("dpkg-deb", "index the locked debs", "apt-get install dpkg");
  const { base, image } = ctx.recipe;
  const repo = join(ctx.work, "apt-repo");
  const tmp = join(ctx.work, "apt-tmp");
  const staged = await stageDebs({ cache: ctx.cache, debs: ctx.lock.debs, dir: repo });
  const source = await writeLocalRepo({
    dir: repo,
    debs: ctx.lock.debs.map((d, i) => ({ ...d, path: staged[i] as string })),
    suite: base.suite,
    arch: image.arch,
  });
  await mkdir(ctx.root, { recursive: true });
  await mkdir(tmp, { recursive: true });
  const argv = mmdebstrapArgv({
    suite: base.suite,
    target: ctx.root,
    format: "directory",
    mirrors: [source],
    // "essential" plus every locked package by exact version, instead of the recipe's variant: the set
    // is then the lock by construction. A priority variant would re-select packages by the Priority in
    // each deb's control file, which can differ from the mirror's override that fetch resolved with.
    // Essential:yes packages are still unpacked first by dpkg and the rest installed by apt, as in fetch.
    variant: "essential",
    arch: image.arch,
    include: ctx.lock.debs.map((d) => pinnedSpec(d, image.arch)),
    // The local repository is unsigned and trusted explicitly; no keyring lookup (which needs gpg).
    skip: ["check/signed-by"],
    hooks: { setup: [UNSAFE_IO_ON_HOOK], customize: [UNSAFE_IO_OFF_HOOK] },
    verbose: isVerbose(),
  });
  // No --aptopt: mmdebstrap would keep it in the image's apt.conf.d. The only source is copy:// and the
  // sandbox has no network, so nothing can be fetched from anywhere else anyway.
  await runMmdebstrap(argv, { work: ctx.work, root: ctx.root, repo, tmp }, { env: { ...bakeEnv(ctx), TMPDIR: tmp } });
  const installed = await installedDebs(ctx.root);
  const diff = diffInstalled(installed, ctx.lock.debs);
  if (diff.length) throw new ToolError(`the bootstrapped image does not hold exactly the locked debs:\n${diff.join("\n")}`);
  await writeImageSources(ctx.root, imageSources(base, o.etcApt));
  await rm(repo, { recursive: true, force: true });
  return installed;
}

/** The directories of one mmdebstrap run: its scratch directory, the target, the local repository and TMPDIR. */
export interface MmdebstrapDirs {
  readonly work: string;
  readonly root: string;
  readonly repo: string;
  readonly tmp: string;
}

/**
 * Runs mmdebstrap sandboxed and pivoted into a mini-root (sandbox.ts) of only the host's /usr and the few
 * /etc files it reads (read-only), the repository (read-only), the target and its TMPDIR, keeping only
 * the capabilities its root mode needs (MMDEBSTRAP_CAPS). The maintainer scripts it runs as root can
 * chroot back out of the target, but only into that mini-root: no host file, socket or /proc/1/root.
 */
export async function runMmdebstrap(argv: readonly string[], d: MmdebstrapDirs, opts: RunOptions = {}): Promise<RunResult> {
  const mountPoint = join(d.work, "miniroot");
  await mkdir(mountPoint, { recursive: true });
  const entries = [
    ...hostEntries(MMDEBSTRAP_HOST_PATHS),
    { kind: "ro", path: resolve(d.repo) },
    { kind: "rw", path: resolve(d.root) },
    { kind: "rw", path: resolve(d.tmp) },
  ] as const;
  try {
    return await runInMiniRoot(argv, { ...opts, mountPoint: resolve(mountPoint), entries, keepCaps: MMDEBSTRAP_CAPS });
  } finally {
    await rmdir(mountPoint);
  }
}

/** Replaces the bootstrap's local-repository entry with the sources the deployed image should use. */
async function writeImageSources(root: string, files: readonly { readonly path: string; readonly text: string }[]): Promise<void> {
  for (const f of files) {
    const host = ensureParents(root, f.path, "apt sources");
    // Never write through whatever is there (a symlink could point out of the image).
    await rm(host, { force: true });
    await writeFile(host, f.text, { mode: 0o644 });
  }
}
