// The provenance statement of an image: in-toto Statement v1 carrying a SLSA Provenance v1 predicate.
// Built only from the manifest and the lock it names (never the clock, host or paths), so the same image
// always gets byte-identical provenance.json and a signature over it stays valid when it is rebuilt.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { CheckFailed, UserError } from "../errors.js";
import { lockDigest } from "../lock/lock.js";
import type { Lock } from "../lock/types.js";
import { attestationsDir, hexOf } from "../store/layout.js";
import type { Manifest } from "../store/types.js";
import { canonicalJson } from "../util/canonical-json.js";
import { writeFileAtomic } from "../util/fs.js";

export const PROVENANCE_FILE = "provenance.json";
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const PREDICATE_TYPE = "https://slsa.dev/provenance/v1";

/** An in-toto ResourceDescriptor (the fields kiln uses). */
export interface Resource {
  readonly name?: string;
  readonly uri?: string;
  readonly digest: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface Statement {
  readonly _type: typeof STATEMENT_TYPE;
  readonly subject: readonly Resource[];
  readonly predicateType: typeof PREDICATE_TYPE;
  readonly predicate: {
    readonly buildDefinition: {
      readonly buildType: string;
      readonly externalParameters: Readonly<Record<string, unknown>>;
      readonly resolvedDependencies: readonly Resource[];
    };
    readonly runDetails: {
      readonly builder: { readonly id: string; readonly version: Readonly<Record<string, string>> };
      readonly metadata: { readonly startedOn: string; readonly finishedOn: string };
    };
  };
}

/** Every artifact of the lock with its digest: debs as purls, wheels by file, checkouts by URL and revision. */
function dependencies(lock: Lock): Resource[] {
  const debs = lock.debs.map(
    (d): Resource => ({
      name: `${d.name}_${d.version}_${d.arch}.deb`,
      uri: `pkg:deb/debian/${d.name}@${d.version}?arch=${d.arch}`,
      digest: { sha256: d.sha256 },
    }),
  );
  const wheels = lock.wheels.map((w): Resource => ({ name: w.file, uri: `pkg:pypi/${w.name}@${w.version}`, digest: { sha256: w.sha256 } }));
  // sha256 is of kiln's deterministic export of the revision; git's own commit id is a digest too.
  const checkouts = lock.checkouts.map(
    (c): Resource => ({
      name: c.name,
      uri: c.url,
      digest: c.kind === "git" ? { gitCommit: c.revision, sha256: c.sha256 } : { sha256: c.sha256 },
      annotations: { kind: c.kind, revision: c.revision },
    }),
  );
  return [...debs, ...wheels, ...checkouts];
}

/**
 * The statement for `m`. A baked image needs the lock it was baked from (its digest must be the manifest's
 * lockSha256): only the lock holds the artifacts' digests. An image adopted with `kiln pack` has none.
 */
export function buildProvenance(m: Manifest, lock: Lock | null): Statement {
  if (m.lockSha256 !== null) {
    if (lock === null) throw new UserError(`${m.image} was baked from a lock: give that lock (--lock FILE) to list its sources`);
    const got = lockDigest(lock);
    if (got !== m.lockSha256)
      throw new CheckFailed(
        `${m.image}: the lock given has sha256 ${got}, the manifest's lockSha256 is ${m.lockSha256}: give the lock this image was baked from`,
      );
  }
  const time = new Date(m.sourceDateEpoch * 1000).toISOString();
  return {
    _type: STATEMENT_TYPE,
    subject: [
      { name: m.template.file, digest: { sha256: m.template.sha256 } },
      // The image id is the sha256 of the uncompressed tar: that tar is the second subject.
      { name: m.template.file.replace(/\.(?:zst|gz)$/, ""), digest: { sha256: hexOf(m.image) } },
    ],
    predicateType: PREDICATE_TYPE,
    predicate: {
      buildDefinition: {
        buildType: `urn:kiln:${m.origin}:v1`,
        externalParameters: { recipe: m.recipe, lockSha256: m.lockSha256, inputs: m.inputs, manifestVersion: m.manifestVersion },
        resolvedDependencies: lock === null || m.lockSha256 === null ? [] : dependencies(lock),
      },
      runDetails: {
        builder: { id: `urn:kiln:builder:kiln@${m.kilnVersion}`, version: { kiln: m.kilnVersion } },
        // SOURCE_DATE_EPOCH, never the clock: the statement is reproducible like the image.
        metadata: { startedOn: time, finishedOn: time },
      },
    },
  };
}

/** provenance.json's bytes: canonical JSON. */
export function provenanceText(s: Statement): string {
  return canonicalJson(s);
}

/** Writes `<store>/attestations/<hex>/provenance.json` (atomically); returns its path. */
export async function writeProvenance(store: string, m: Manifest, lock: Lock | null): Promise<string> {
  const path = join(attestationsDir(store, m.image), PROVENANCE_FILE);
  await writeFileAtomic(path, provenanceText(buildProvenance(m, lock)));
  return path;
}

/**
 * Writes provenance.json for image `m` unless it is there already (a bake that found its image stored), or
 * `lock` is not the one the manifest names (the same tree was stored earlier from other inputs).
 */
export async function ensureProvenance(store: string, m: Manifest, lock: Lock | null): Promise<void> {
  if (m.lockSha256 !== (lock === null ? null : lockDigest(lock))) return;
  const path = join(attestationsDir(store, m.image), PROVENANCE_FILE);
  const there = await stat(path).then(
    () => true,
    () => false,
  );
  if (!there) await writeProvenance(store, m, lock);
}
