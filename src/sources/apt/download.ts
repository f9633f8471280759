// Locked debs, downloaded by name=version and checked against the lock's sha256: no resolution. apt runs
// with a private configuration (its own sources, lists, cache and an empty dpkg status) against the
// recipe's mirror or the host's sources, so the host's apt state is neither read nor changed.
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ToolError, UserError, type Problem } from "../../errors.js";
import { checkTool, describeFailure, run } from "../../exec/run.js";
import type { LockedDeb } from "../../lock/types.js";
import type { Recipe } from "../../recipe/types.js";
import { addFile, cacheTemp } from "../cache.js";
import { DEBS_KIND } from "./deb-cache.js";
import { aptArchiveName, describeDeb } from "./deb-file.js";
import { hostSourcesFiles } from "./host-sources.js";
import { parseMadison } from "./requests.js";

/** What to say when the mirror no longer serves locked versions (Debian's mirrors keep only current ones). */
export function agedLockHint(names: readonly string[]): string {
  return `the lock has aged (Debian's mirrors keep only current versions; kiln's cache is what keeps old debs): run kiln lock --update ${[...new Set(names)].join(" ")}, or point the recipe's mirror at a snapshot or a site mirror that keeps old versions`;
}

/** `-o` options that give apt a private state under `dir` (sources, lists, cache, empty dpkg status). */
export function isolatedAptOptions(o: { readonly dir: string; readonly arch: string }): string[] {
  const opts: Record<string, string> = {
    "Dir::Etc::SourceList": join(o.dir, "sources.list"),
    "Dir::Etc::SourceParts": join(o.dir, "sources.list.d"),
    "Dir::State": join(o.dir, "state"),
    "Dir::State::status": join(o.dir, "status"),
    "Dir::Cache": join(o.dir, "cache"),
    "APT::Architecture": o.arch,
    "APT::Architectures": o.arch,
    // Downloads land in kiln's private directory, which the unprivileged _apt user cannot write.
    "APT::Sandbox::User": "root",
    "Debug::NoLocking": "true",
    "Acquire::Languages": "none",
  };
  return Object.entries(opts).flatMap(([k, v]) => ["-o", `${k}=${v}`]);
}

/** apt's request for one locked deb: `name=version`, or `name:arch=version` for a foreign arch. */
export function downloadSpec(d: LockedDeb, arch: string): string {
  return d.arch === arch || d.arch === "all" ? `${d.name}=${d.version}` : `${d.name}:${d.arch}=${d.version}`;
}

/** The locked debs the mirror's index does not list (name and exact version). */
export function unavailableDebs(debs: readonly LockedDeb[], available: ReadonlyMap<string, readonly string[]>): LockedDeb[] {
  return debs.filter((d) => !(available.get(d.name) ?? []).includes(d.version));
}

/** Writes the recipe's sources (a URL mirror as one `deb` line, "host" as the host's files) into `dir`. */
async function writeSources(recipe: Recipe, dir: string, etcApt?: string): Promise<void> {
  await mkdir(join(dir, "sources.list.d"), { recursive: true });
  await Promise.all(["state/lists/partial", "cache/archives/partial"].map((d) => mkdir(join(dir, d), { recursive: true })));
  await writeFile(join(dir, "status"), "");
  const b = recipe.base;
  if (b.mirror !== "host") {
    await writeFile(join(dir, "sources.list"), `deb ${b.mirror} ${b.suite} ${b.components.join(" ")}\n`);
    return;
  }
  await writeFile(join(dir, "sources.list"), "");
  for (const f of hostSourcesFiles(etcApt)) await writeFile(join(dir, f.name === "sources.list" ? "sources.list" : join("sources.list.d", f.name)), f.text);
}

/** Runs an apt tool with the private options; a failure is a ToolError with its stderr. */
async function apt(tool: string, opts: readonly string[], args: readonly string[], cwd?: string): Promise<string> {
  const argv = [tool, ...opts, ...args];
  const r = await run(argv, { allowFailure: true, cwd, timeoutMs: 1_800_000 });
  if (r.exitCode !== 0) throw new ToolError(`apt: ${describeFailure(argv, { exitCode: r.exitCode, stderr: r.stderr })}`);
  return r.stdout;
}

/**
 * Networked: downloads exactly `debs` (name=version) into the cache, each checked against its locked
 * sha256. A version the sources no longer list is a UserError naming every such deb and the fix.
 */
export async function downloadLockedDebs(o: {
  readonly recipe: Recipe;
  readonly debs: readonly LockedDeb[];
  readonly cache: string;
  readonly arch: string;
  readonly etcApt?: string;
}): Promise<number> {
  if (!o.debs.length) return 0;
  checkTool("apt-get", "download the locked Debian packages", "apt-get is part of Debian's apt package");
  const work = await cacheTemp(o.cache, "apt-download");
  try {
    const dir = join(work, "apt");
    await writeSources(o.recipe, dir, o.etcApt);
    const opts = isolatedAptOptions({ dir, arch: o.arch });
    await apt("apt-get", opts, ["-q", "update"]);
    const names = [...new Set(o.debs.map((d) => d.name))];
    const gone = unavailableDebs(o.debs, parseMadison(await apt("apt-cache", opts, ["madison", ...names])));
    if (gone.length)
      throw new UserError(
        gone.map((d): Problem => ({ message: `deb ${describeDeb(d)}: not in the cache, and the mirror no longer serves this version` })),
        { hint: agedLockHint(gone.map((d) => d.name)) },
      );
    const out = join(work, "debs");
    await mkdir(out);
    await apt("apt-get", opts, ["-q", "download", ...o.debs.map((d) => downloadSpec(d, o.arch))], out);
    const got = new Set(await readdir(out));
    for (const d of o.debs) {
      const file = aptArchiveName(d);
      if (!got.has(file)) throw new ToolError(`apt-get download did not produce ${file} for ${describeDeb(d)}`);
      await addFile({ cache: o.cache, kind: DEBS_KIND, ext: "deb", src: join(out, file), sha256: d.sha256, move: true, what: `deb ${describeDeb(d)}` });
    }
    return o.debs.length;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
