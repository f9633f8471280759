// SVN checkouts, fetch side: a rev resolved to a revision number, and a deterministic tarball of
// `svn export` at that revision, stored content-addressed in `<cache>/checkouts/`.
// Both functions use the network; bake extracts the tarball offline through checkouts.ts.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolError, UserError } from "../errors.js";
import { describeFailure, run, type RunResult } from "../exec/run.js";
import { cacheTemp, isFile } from "./cache.js";
import { checkoutTarball, storeExport } from "./checkouts.js";
import { packTreeDeterministic } from "./tarball.js";
import { quoteInput } from "../util/quote.js";

/** svn errors that mean the URL or revision is wrong (user input), not that svn or the network failed. */
const NOT_FOUND = /E160013|E170000|E160006|E195012|E200009/;

/**
 * Runs svn isolated from the user: `--config-dir` is an empty temp dir (no stored credentials, no
 * `[auto-props]` or tunnel settings from ~/.subversion), no prompts, no credential caching.
 * TZ=UTC because `$Date$` keywords expand in local time.
 */
async function svn(args: readonly string[], what: string): Promise<RunResult> {
  const configDir = await mkdtemp(join(tmpdir(), "kiln-svn-config-"));
  const argv = ["svn", "--non-interactive", "--no-auth-cache", "--config-dir", configDir, ...args];
  try {
    const r = await run(argv, { env: { TZ: "UTC" }, allowFailure: true });
    if (r.exitCode === 0) return r;
    const firstError = r.stderr.split("\n").find((l) => /^svn: E\d+/.test(l));
    if (firstError && NOT_FOUND.test(firstError)) throw new UserError(`${what}: ${firstError.replace(/^svn: /, "")}; fix the checkout's url or rev`);
    throw new ToolError(describeFailure(argv, { exitCode: r.exitCode, stderr: r.stderr }));
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}

/** Accepts "HEAD" or a revision number; anything else (dates, BASE, PREV) has no meaning for a lock. */
function checkRev(url: string, rev: string): void {
  if (!/^(HEAD|[1-9][0-9]*|0)$/.test(rev)) throw new UserError(`svn ${url}: rev ${quoteInput(rev)} must be HEAD or a revision number`);
  if (!url || url.startsWith("-") || /[\s\0]/.test(url))
    throw new UserError(`svn url ${quoteInput(url)} is not valid: it must not start with '-' or contain whitespace`);
}

/** Parses svn's `2024-01-02T03:04:05.123456Z` into whole seconds since the epoch. */
export function parseSvnDate(s: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(s.trim());
  if (!m) throw new ToolError(`svn returned a date kiln cannot read: ${quoteInput(s)}`);
  return Date.parse(`${m[1]}Z`) / 1000;
}

export interface ResolvedSvn {
  /** Revision number (as a string, as the lock stores it). */
  readonly revision: string;
  /** Date of that revision's commit, seconds since the epoch. */
  readonly commitTime: number;
}

/**
 * Networked: resolves `rev` to the revision that last changed the tree at `url@rev`.
 *
 * `last-changed-revision`, not `revision`: for a subtree URL the repository's HEAD moves with every
 * commit anywhere in the repository, while the tree below the URL is the same at both numbers. Locking
 * the last-changed revision means an unrelated commit does not change the lock (re-running fetch
 * rewrites nothing), and the export (`url@N`, peg revision) is exactly the tree at `url@rev`.
 */
export async function resolveSvn(o: { readonly url: string; readonly rev: string }): Promise<ResolvedSvn> {
  checkRev(o.url, o.rev);
  const what = `svn ${o.url}@${o.rev}`;
  const r = await svn(["info", "--show-item", "last-changed-revision", "--no-newline", "--", `${o.url}@${o.rev}`], what);
  const revision = r.stdout.trim();
  if (!/^\d+$/.test(revision)) throw new ToolError(`${what}: svn info returned no revision (got ${quoteInput(r.stdout)})`);
  return { revision, commitTime: await commitTime(o.url, revision) };
}

/** The commit date of the last change at or before `url@revision`, seconds since the epoch. */
async function commitTime(url: string, revision: string): Promise<number> {
  const d = await svn(["info", "--show-item", "last-changed-date", "--no-newline", "--", `${url}@${revision}`], `svn ${url}@${revision}`);
  return parseSvnDate(d.stdout);
}

/**
 * Networked: `svn export url@revision` into a temp dir, packed as a deterministic tar (sorted names,
 * every mtime = that revision's commit time, 0:0, modes 0644/0755) and stored content-addressed. With a known `sha256`
 * (from the lock) already cached, nothing is fetched or rewritten.
 */
export async function exportSvn(o: {
  readonly cache: string;
  readonly url: string;
  readonly revision: string;
  readonly sha256?: string;
}): Promise<{ readonly tarball: string; readonly sha256: string }> {
  checkRev(o.url, o.revision);
  if (o.sha256 && (await isFile(checkoutTarball(o.cache, o.sha256)))) return { tarball: checkoutTarball(o.cache, o.sha256), sha256: o.sha256 };
  const tmp = await cacheTemp(o.cache, "svn-export");
  try {
    const tree = join(tmp, "tree");
    await svn(
      [
        "export",
        "--quiet",
        // svn:externals point at other URLs, often at floating revisions: they would make the export
        // depend on when it ran. A checkout that needs them lists them as checkouts of their own.
        "--ignore-externals",
        // svn:eol-style=native must not depend on the build host.
        "--native-eol",
        "LF",
        "--",
        `${o.url}@${o.revision}`,
        tree,
      ],
      `svn ${o.url}@${o.revision}`,
    );
    const out = join(tmp, "export.tar");
    // The mtime comes from the repository, not the caller, so the tarball depends on url@revision alone.
    await packTreeDeterministic({ dir: tree, out, mtime: await commitTime(o.url, o.revision) });
    return await storeExport({ cache: o.cache, tarball: out });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
