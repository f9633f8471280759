// The provenance statement of a fixed manifest + lock is byte-stable (golden digest) and built from them
// alone: no clock, no host. A lock that is not the manifest's is refused.
import { describe, expect, it } from "vitest";
import { CheckFailed, UserError } from "../../../src/errors.js";
import { lockDigest } from "../../../src/lock/lock.js";
import type { Lock } from "../../../src/lock/types.js";
import type { Manifest } from "../../../src/store/types.js";
import { buildProvenance, ensureProvenance, provenanceText } from "../../../src/trust/provenance.js";
import { enforceProvenance, provenanceSubjectProblem } from "../../../src/trust/provenance-verify.js";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "../../../src/util/hash.js";

const LOCK: Lock = {
  lockVersion: 1,
  base: { suite: "bookworm", variant: "minbase", arch: "amd64" },
  sourceDateEpoch: 1_700_000_000,
  recipeSha256: "a".repeat(64),
  requirementsSha256: "d".repeat(64),
  debs: [{ name: "base-files", version: "12.4+deb12u5", arch: "amd64", sha256: "1".repeat(64) }],
  wheels: [{ name: "katcp", version: "0.9.3", file: "katcp-0.9.3-py3-none-any.whl", sha256: "2".repeat(64) }],
  checkouts: [
    { name: "sim", kind: "git", url: "file:///srv/sim.git", revision: "c".repeat(40), sha256: "3".repeat(64) },
    { name: "docs", kind: "svn", url: "file:///srv/svn/docs", revision: "42", sha256: "4".repeat(64) },
  ],
};

const MANIFEST: Manifest = {
  manifestVersion: 1,
  image: `sha256:${"e".repeat(64)}`,
  name: "cam-node",
  version: "1.0.0",
  arch: "amd64",
  ostype: "debian",
  template: { file: `debian-cam-node_1.0.0-${"e".repeat(12)}_amd64.tar.zst`, sha256: "f".repeat(64), size: 1234, compression: "zstd" },
  tarSize: 10240,
  entries: 10,
  inputs: `sha256:${"9".repeat(64)}`,
  kilnVersion: "0.1.0",
  sourceDateEpoch: 1_700_000_000,
  origin: "bake",
  recipe: { name: "cam-node", sha256: "a".repeat(64) },
  lockSha256: lockDigest(LOCK),
  debs: [{ name: "base-files", version: "12.4+deb12u5", arch: "amd64" }],
  python: [{ name: "katcp", version: "0.9.3" }],
  checkouts: [{ name: "sim", kind: "git", url: "file:///srv/sim.git", revision: "c".repeat(40), dest: "/opt/sim" }],
  verify: null,
};

/** Regenerate when the statement's shape changes on purpose: print sha256Hex(provenanceText(...)). */
const GOLDEN = "8b8d813ef788efba87e5b2ae2636ea215ec07c275a2123f4031bcb072a970635";

describe("provenance statement", () => {
  it("has the in-toto / SLSA shape: subjects, build type, every dependency with its digest, epoch times", () => {
    const s = buildProvenance(MANIFEST, LOCK);
    expect(s._type).toBe("https://in-toto.io/Statement/v1");
    expect(s.predicateType).toBe("https://slsa.dev/provenance/v1");
    expect(s.subject).toEqual([
      { name: MANIFEST.template.file, digest: { sha256: "f".repeat(64) } },
      { name: `debian-cam-node_1.0.0-${"e".repeat(12)}_amd64.tar`, digest: { sha256: "e".repeat(64) } },
    ]);
    expect(s.predicate.buildDefinition.buildType).toBe("urn:kiln:bake:v1");
    expect(s.predicate.buildDefinition.externalParameters).toMatchObject({ lockSha256: MANIFEST.lockSha256, recipe: MANIFEST.recipe, inputs: MANIFEST.inputs });
    expect(s.predicate.buildDefinition.resolvedDependencies.map((d) => d.digest)).toEqual([
      { sha256: "1".repeat(64) },
      { sha256: "2".repeat(64) },
      { gitCommit: "c".repeat(40), sha256: "3".repeat(64) },
      { sha256: "4".repeat(64) },
    ]);
    expect(s.predicate.runDetails.builder.id).toBe("urn:kiln:builder:kiln@0.1.0");
    expect(s.predicate.runDetails.metadata).toEqual({ startedOn: "2023-11-14T22:13:20.000Z", finishedOn: "2023-11-14T22:13:20.000Z" });
  });

  it("is byte-stable for a fixed manifest and lock (golden digest)", () => {
    expect(sha256Hex(provenanceText(buildProvenance(MANIFEST, LOCK)))).toBe(GOLDEN);
  });

  it("refuses a lock that is not the manifest's, and a baked image without its lock", () => {
    expect(() => buildProvenance(MANIFEST, { ...LOCK, sourceDateEpoch: 1 })).toThrow(CheckFailed);
    expect(() => buildProvenance(MANIFEST, null)).toThrow(UserError);
  });

  it("an image adopted with kiln pack has no dependencies and the pack build type", () => {
    const s = buildProvenance({ ...MANIFEST, origin: "pack", lockSha256: null, recipe: null, inputs: null }, null);
    expect(s.predicate.buildDefinition.buildType).toBe("urn:kiln:pack:v1");
    expect(s.predicate.buildDefinition.resolvedDependencies).toEqual([]);
  });
});

describe("provenance at bake time (ensureProvenance)", () => {
  it("writes attestations/<hex>/provenance.json once, and nothing for a lock that is not the manifest's", async () => {
    const store = await mkdtemp(join(tmpdir(), "kiln-prov-"));
    try {
      const path = join(store, "attestations", "e".repeat(64), "provenance.json");
      await ensureProvenance(store, MANIFEST, { ...LOCK, sourceDateEpoch: 1 });
      await expect(readFile(path)).rejects.toMatchObject({ code: "ENOENT" });
      await ensureProvenance(store, MANIFEST, LOCK);
      expect(sha256Hex(await readFile(path))).toBe(GOLDEN);
      // An existing statement (perhaps signed) is left as it is.
      await writeFile(path, "kept\n");
      await ensureProvenance(store, MANIFEST, LOCK);
      expect(await readFile(path, "utf8")).toBe("kept\n");
    } finally {
      await rm(store, { recursive: true, force: true });
    }
  });
});

describe("provenanceSubjectProblem", () => {
  it("accepts the statement built for the image and refuses another image's, a non-statement and non-JSON", () => {
    const own = Buffer.from(provenanceText(buildProvenance(MANIFEST, LOCK)));
    expect(provenanceSubjectProblem(own, MANIFEST)).toBeUndefined();
    const other = { ...MANIFEST, image: `sha256:${"d".repeat(64)}` };
    expect(provenanceSubjectProblem(own, other)).toContain(`sha256 ${"d".repeat(64)} missing`);
    expect(provenanceSubjectProblem(Buffer.from('{"_type":"x","subject":[]}'), MANIFEST)).toContain("not an in-toto v1 statement");
    expect(provenanceSubjectProblem(Buffer.from("{"), MANIFEST)).toBe("provenance.json is not JSON");
  });
});

describe("enforceProvenance", () => {
  const policy = { allowedSigners: "/a/allowed_signers", principals: ["ci"] };
  it("passes with a valid signature by every principal, names the image and what was found otherwise", () => {
    const signatures = [{ file: "/x/provenance.ci.sig", claimed: ["ci"], valid: ["ci"] }];
    expect(enforceProvenance(MANIFEST.image, { signatures }, policy).signatures).toBe(signatures);
    expect(() => enforceProvenance(MANIFEST.image, { signatures: [] }, policy)).toThrow(
      `${MANIFEST.image}: a signed provenance is required, but it is not signed by "ci"`,
    );
    expect(() => enforceProvenance(MANIFEST.image, { problem: "no provenance.json", signatures: [] }, { ...policy, principals: [] })).toThrow(
      'not signed by any principal in "/a/allowed_signers": no provenance.json',
    );
  });
});
