// git checkouts, fetch side: a bare mirror per URL in the cache, revs resolved to full commit ids,
// and a deterministic `git archive` export stored content-addressed in `<cache>/checkouts/`.
// Only resolveGit touches the network; exportGit reads the mirror; bake uses checkouts.ts.
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ToolError, UserError } from "../errors.js";
import { run, type RunResult } from "../exec/run.js";
import { sha256Hex } from "../util/hash.js";
import { cacheTemp, isFile } from "./cache.js";
import { checkoutTarball, storeExport } from "./checkouts.js";
import { quoteInput } from "../util/quote.js";

/** The environment every git call gets: no system/user config, no prompts, only plain transports. */
const GIT_ENV: Readonly<Record<string, string>> = {
  // ~/.gitconfig could change tar.umask, url rewrites or hooks: the result must depend on the URL alone.
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  // Fail instead of waiting for a password nobody will type.
  GIT_TERMINAL_PROMPT: "0",
  GIT_SSH_COMMAND: "ssh -o BatchMode=yes",
  // A recipe URL like `ext::sh -c …` would run a command: allow only the ordinary transports.
  GIT_ALLOW_PROTOCOL: "file:git:http:https:ssh",
};

/** Runs git with the isolated environment. */
function git(args: readonly string[], opts: { readonly allowFailure?: boolean } = {}): Promise<RunResult> {
  return run(["git", ...args], { env: GIT_ENV, allowFailure: opts.allowFailure });
}

/** The bare mirror for a URL: `<cache>/git/<sha256 of url>.git`. */
export function mirrorPath(cache: string, url: string): string {
  return join(cache, "git", `${sha256Hex(url)}.git`);
}

/** Refuses values git would read as options (`--upload-pack=…`) or that cannot be a URL/rev. */
function checkArg(what: string, v: string): void {
  if (!v || v.startsWith("-") || /[\s\0]/.test(v))
    throw new UserError(`git ${what} ${quoteInput(v)} is not valid: it must be non-empty, not start with '-', and contain no whitespace`);
}

/** Creates the mirror (clone --mirror into a temp dir, renamed into place) or updates it (fetch --prune). */
async function syncMirror(cache: string, url: string): Promise<string> {
  const mirror = mirrorPath(cache, url);
  if (await isFile(join(mirror, "HEAD"))) {
    await git(["--git-dir", mirror, "fetch", "--prune", "--quiet", "origin"]);
    return mirror;
  }
  const tmp = await cacheTemp(cache, "git-clone");
  try {
    await git(["clone", "--mirror", "--quiet", "--", url, join(tmp, "m.git")]);
    await mkdir(join(cache, "git"), { recursive: true });
    await rename(join(tmp, "m.git"), mirror).catch(async (e: unknown) => {
      // Another fetch cloned the same URL meanwhile: its mirror is as good as ours.
      if (!(await isFile(join(mirror, "HEAD")))) throw e;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return mirror;
}

/** Branch and tag names of the mirror, for a "rev not found" hint. */
async function knownRefs(mirror: string): Promise<string[]> {
  const r = await git(["--git-dir", mirror, "for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/tags"]);
  return r.stdout.split("\n").filter(Boolean);
}

export interface ResolvedGit {
  /** Full 40-hex commit id. */
  readonly revision: string;
  /** Committer time of that commit, seconds since the epoch (feeds SOURCE_DATE_EPOCH). */
  readonly commitTime: number;
}

/** Networked: updates the URL's mirror and resolves `rev` (branch, tag, HEAD, full or short commit). */
export async function resolveGit(o: { readonly url: string; readonly rev: string; readonly cache: string }): Promise<ResolvedGit> {
  checkArg("url", o.url);
  checkArg("rev", o.rev);
  const mirror = await syncMirror(o.cache, o.url);
  const r = await git(["--git-dir", mirror, "rev-parse", "--verify", "--quiet", "--end-of-options", `${o.rev}^{commit}`], { allowFailure: true });
  const revision = r.stdout.trim();
  if (r.exitCode !== 0 || !/^[0-9a-f]{40}$/.test(revision)) {
    const refs = await knownRefs(mirror);
    const shown = refs.slice(0, 20).join(", ") + (refs.length > 20 ? ", …" : "");
    throw new UserError(`git ${o.url}: rev "${o.rev}" is not a branch, tag or commit there (known: ${shown || "no branches or tags"}); fix the checkout's rev`);
  }
  const t = await git(["--git-dir", mirror, "show", "-s", "--format=%ct", revision]);
  return { revision, commitTime: Number(t.stdout.trim()) };
}

/**
 * Reads the mirror only: exports the tree at `revision` as a tar (`git archive`: sorted, mtime = commit
 * time, fixed modes) and stores it content-addressed. With a known `sha256` (from the lock) whose
 * tarball is already cached, nothing is rewritten.
 */
export async function exportGit(o: {
  readonly cache: string;
  readonly url: string;
  readonly revision: string;
  readonly sha256?: string;
}): Promise<{ readonly tarball: string; readonly sha256: string }> {
  if (!/^[0-9a-f]{40}$/.test(o.revision)) throw new TypeError(`exportGit: revision must be a full commit id, got ${o.revision}`);
  if (o.sha256 && (await isFile(checkoutTarball(o.cache, o.sha256)))) return { tarball: checkoutTarball(o.cache, o.sha256), sha256: o.sha256 };
  const mirror = mirrorPath(o.cache, o.url);
  if (!(await stat(mirror).catch(() => undefined))) throw new ToolError(`git ${o.url}: no mirror in the cache at ${mirror}; resolveGit must run first`);
  // $GIT_DIR/info/attributes beats the tree's .gitattributes: turning export-subst off keeps `$Format:%D$`
  // (ref names, which move) out of the export, so it depends on the commit alone. export-ignore still holds.
  await mkdir(join(mirror, "info"), { recursive: true });
  await writeFile(join(mirror, "info", "attributes"), "* -export-subst\n");
  const tmp = await cacheTemp(o.cache, "git-export");
  try {
    const out = join(tmp, "export.tar");
    // tar.umask pinned: the default comes from config, which a different machine could set differently.
    await git(["-c", "tar.umask=0022", "--git-dir", mirror, "archive", "--format=tar", `--output=${out}`, o.revision]);
    return await storeExport({ cache: o.cache, tarball: out });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
