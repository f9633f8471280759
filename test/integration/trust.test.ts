// Signatures and provenance with the real ssh-keygen (nothing else: seconds, no root). Images come from
// memory trees (test/unit/store/helpers.ts); deploy is driven in-process with a connect that counts calls.
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runDeploy } from "../../src/deploy/deploy.js";
import type { Connect } from "../../src/deploy/hosts.js";
import { CheckFailed } from "../../src/errors.js";
import { attestationsDir, removeImage, type AddImageResult } from "../../src/store/index.js";
import { writeProvenance } from "../../src/trust/provenance.js";
import { signImage } from "../../src/trust/sign.js";
import { requireSigned } from "../../src/trust/verify.js";
import { signatureLines } from "../../src/trust/describe.js";
import { requireTrusted } from "../../src/trust/provenance-verify.js";
import { FakeHost, World } from "../unit/deploy/fake-host.js";
import { THREE_NODES } from "../unit/deploy/harness.js";
import { addVariant } from "../unit/store/helpers.js";
import { main } from "../../src/main.js";

let tmp: string;
let store: string;
let allowed: string;
const key = (name: string) => join(tmp, name);

/** A fresh ed25519 key pair `<tmp>/<name>{,.pub}`; returns its allowed_signers line. */
async function keypair(name: string): Promise<string> {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key(name)]);
  const pub = (await readFile(`${key(name)}.pub`, "utf8")).split(" ").slice(0, 2).join(" ");
  return `${name} ${pub}\n`;
}

/** The CheckFailed a promise rejects with (fails the test otherwise). */
async function failure(p: Promise<unknown>): Promise<CheckFailed> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CheckFailed);
  return e as CheckFailed;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-trust-"));
  store = join(tmp, "store");
  allowed = join(tmp, "allowed_signers");
  // "rogue" signs too, but allowed_signers does not list it.
  await writeFile(allowed, (await keypair("ci")) + (await keypair("release")));
  await keypair("rogue");
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("kiln sign / verify-signature", () => {
  let img: AddImageResult;
  beforeAll(async () => {
    img = await addVariant(store, "signed", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    await writeProvenance(store, img.manifest, null);
  });

  it("signs the manifest and the provenance into attestations/<hex>/ and verifies for the principal", async () => {
    const r = await signImage({ store, ref: img.manifest.image, key: key("ci"), principal: "ci" });
    expect((await readdir(attestationsDir(store, img.manifest.image))).sort()).toEqual(["manifest.ci.sig", "provenance.ci.sig", "provenance.json"]);
    expect(r.signatures).toHaveLength(2);
    const v = await requireSigned(store, img.manifest.image, { allowedSigners: allowed, principals: ["ci"] });
    expect(v.map((x) => x.valid)).toEqual([["ci"]]);
    // The provenance signature verifies with ssh-keygen directly over provenance.json's bytes.
    const dir = attestationsDir(store, img.manifest.image);
    execFileSync("ssh-keygen", ["-Y", "verify", "-f", allowed, "-I", "ci", "-n", "kiln-image", "-s", join(dir, "provenance.ci.sig")], {
      input: await readFile(join(dir, "provenance.json")),
    });
  });

  it("a required principal that did not sign fails, naming the image, who was expected and what was found", async () => {
    const e = await failure(requireSigned(store, img.manifest.image, { allowedSigners: allowed, principals: ["ci", "release"] }));
    expect(e.message).toContain(img.manifest.image);
    expect(e.message).toContain('by "release"');
    expect(e.message).toContain('manifest.ci.sig: valid, by "ci"');
  });

  it("two signatures (CI and release manager) are both found; a key not listed counts for nobody", async () => {
    await signImage({ store, ref: img.manifest.image, key: key("release"), principal: "release" });
    await signImage({ store, ref: img.manifest.image, key: key("rogue") });
    const v = await requireSigned(store, img.manifest.image, { allowedSigners: allowed, principals: ["ci", "release"] });
    expect(v.flatMap((x) => x.valid).sort()).toEqual(["ci", "release"]);
    const rogue = v.find((x) => x.file.includes("SHA256-"));
    expect(rogue?.claimed).toEqual([]);
    const lines = await signatureLines(store, img.image, allowed);
    expect(lines.join("\n")).toMatch(/manifest\.SHA256-[^:]+\.sig: key not in allowed signers/);
    const keys = (await signatureLines(store, img.image)).join("\n");
    expect(keys).toMatch(/manifest\.ci\.sig: valid, key SHA256:/);
  });

  it("a signature by a listed key under another principal's file name proves only its own signer", async () => {
    const other = await addVariant(store, "renamed", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    await signImage({ store, ref: other.manifest.image, key: key("rogue"), principal: "release" });
    const e = await failure(requireSigned(store, other.manifest.image, { allowedSigners: allowed, principals: ["release"] }));
    expect(e.message).toContain("manifest.release.sig: key not in allowed signers");
  });

  it("a tampered manifest fails: no signature verifies over the new bytes", async () => {
    const t = await addVariant(store, "tampered", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    await signImage({ store, ref: t.manifest.image, key: key("ci"), principal: "ci" });
    const text = await readFile(t.image.manifest, "utf8");
    expect(text).toContain('"0.9.3"');
    await writeFile(t.image.manifest, text.replace('"0.9.3"', '"0.9.4"'));
    const e = await failure(requireSigned(store, t.manifest.image, { allowedSigners: allowed, principals: ["ci"] }));
    expect(e.message).toContain("does not verify over this manifest");
  });

  it("a swapped template fails against the signed manifest's sha256", async () => {
    const a = await addVariant(store, "swap-a", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    const b = await addVariant(store, "swap-b", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    await signImage({ store, ref: a.manifest.image, key: key("ci"), principal: "ci" });
    await writeFile(a.image.template, await readFile(b.image.template));
    const e = await failure(requireSigned(store, a.manifest.image, { allowedSigners: allowed, principals: ["ci"] }));
    expect(e.message).toContain(a.manifest.template.sha256);
  });

  it("the provenance's signers are reported; another image's provenance copied beside an image counts for nothing", async () => {
    const trust = { allowedSigners: allowed, principals: ["ci"], requireProvenance: true };
    const v = await requireTrusted(store, img.image, img.manifest, trust);
    expect(v.provenance.signatures.flatMap((x) => x.valid).sort()).toEqual(["ci", "release"]);
    const c = await addVariant(store, "copied-prov", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    await signImage({ store, ref: c.manifest.image, key: key("ci"), principal: "ci" });
    const from = attestationsDir(store, img.manifest.image);
    for (const f of ["provenance.json", "provenance.ci.sig"]) await writeFile(join(attestationsDir(store, c.manifest.image), f), await readFile(join(from, f)));
    const e = await failure(requireTrusted(store, c.image, c.manifest, trust));
    expect(e.message).toContain(`${c.manifest.image}: a signed provenance is required`);
    expect(e.message).toContain("does not name this image as its subject");
    // Without require_provenance the manifest alone decides, and the problem is still reported.
    expect((await requireTrusted(store, c.image, c.manifest, { ...trust, requireProvenance: false })).provenance.problem).toContain("another image's");
  });

  it("removing the image removes its attestations", async () => {
    const g = await addVariant(store, "gone", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    await signImage({ store, ref: g.manifest.image, key: key("ci"), principal: "ci" });
    await removeImage(store, g.manifest.image);
    await expect(readdir(attestationsDir(store, g.manifest.image))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("deploy with an inventory [trust] section", () => {
  let inventory: string;
  let connects = 0;
  const connect: Connect = async () => {
    connects++;
    throw new Error("connect reached");
  };
  beforeAll(async () => {
    inventory = join(tmp, "site.toml");
    await writeFile(inventory, `${THREE_NODES}\n[trust]\nallowed_signers = "allowed_signers"\nprincipals = ["ci", "release"]\n`);
  });

  it("refuses an unsigned image before connecting to any host", async () => {
    const u = await addVariant(store, "unsigned", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    const e = await failure(runDeploy({ mode: "deploy", inventory, store, ref: u.manifest.image, dryRun: true }, { connect, log: () => undefined }));
    expect(e.message).toMatch(/is not signed by "ci" and "release" in ".*allowed_signers": found no signatures/);
    const r = await failure(runDeploy({ mode: "rollback", inventory, store, to: u.manifest.image, dryRun: true }, { connect, log: () => undefined }));
    expect(r.message).toContain(u.manifest.image);
    expect(connects).toBe(0);
  });

  it("refuses an image signed by one of two required principals", async () => {
    const h = await addVariant(store, "half", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    await signImage({ store, ref: h.manifest.image, key: key("ci"), principal: "ci" });
    const e = await failure(runDeploy({ mode: "deploy", inventory, store, ref: h.manifest.image, dryRun: true }, { connect, log: () => undefined }));
    expect(e.message).toContain('by "release"');
    expect(connects).toBe(0);
  });

  it("with require_provenance, refuses an image whose manifest is signed but whose provenance is not", async () => {
    const strict = join(tmp, "strict.toml");
    await writeFile(strict, `${THREE_NODES}\n[trust]\nallowed_signers = "allowed_signers"\nprincipals = ["ci"]\nrequire_provenance = true\n`);
    const p = await addVariant(store, "prov-later", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    await signImage({ store, ref: p.manifest.image, key: key("ci"), principal: "ci" });
    const e = await failure(runDeploy({ mode: "deploy", inventory: strict, store, ref: p.manifest.image, dryRun: true }, { connect, log: () => undefined }));
    expect(e.message).toContain('a signed provenance is required, but it is not signed by "ci"');
    expect(e.message).toContain("no provenance.json");
    await writeProvenance(store, p.manifest, null);
    const u = await failure(runDeploy({ mode: "rollback", inventory: strict, store, to: p.manifest.image, dryRun: true }, { connect, log: () => undefined }));
    expect(u.message).toContain("found no signatures");
    expect(connects).toBe(0);
  });

  it("accepts an image both signed, up to connecting", async () => {
    const s = await addVariant(store, "both", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    await signImage({ store, ref: s.manifest.image, key: key("ci"), principal: "ci" });
    await signImage({ store, ref: s.manifest.image, key: key("release"), principal: "release" });
    await expect(runDeploy({ mode: "deploy", inventory, store, ref: s.manifest.image, dryRun: true }, { connect, log: () => undefined })).rejects.toThrow(
      "connect reached",
    );
    expect(connects).toBe(1);
  });
});

describe("rollback without --to under [trust]", () => {
  it("a flip to the stopped slot is allowed; recreating an unsigned image from the store is refused before any change", async () => {
    const inventory = join(tmp, "flip.toml");
    await writeFile(inventory, THREE_NODES);
    const world = new World();
    const hosts = new Map([
      ["h1", new FakeHost("h1", world)],
      ["h2", new FakeHost("h2", world)],
    ]);
    const connect: Connect = async (_inv, names) => ({ drivers: new Map(names.map((n) => [n, hosts.get(n) as FakeHost])), close: async () => undefined });
    const deps = { connect, log: () => undefined, pollMs: 0 };
    const a = await addVariant(store, "roll-a", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    const b = await addVariant(store, "roll-b", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    for (const img of [a, b]) expect((await runDeploy({ mode: "deploy", inventory, store, ref: img.manifest.image }, deps)).result?.ok).toBe(true);
    await writeFile(inventory, `${THREE_NODES}\n[trust]\nallowed_signers = "allowed_signers"\nprincipals = ["ci"]\n`);
    const flip = await runDeploy({ mode: "rollback", inventory, store, dryRun: true }, deps);
    expect(flip.plan.nodes.flatMap((n) => n.actions.map((x) => x.kind))).not.toContain("create");
    // The stopped slots are gone: rolling back recreates image a from the store, which nobody signed.
    for (const [host, vmid] of [
      ["h1", 101],
      ["h1", 201],
      ["h2", 301],
    ] as const)
      await (hosts.get(host) as FakeHost).destroy(vmid);
    const calls = [...hosts.values()].reduce((n, h) => n + h.calls.length, 0);
    const e = await failure(runDeploy({ mode: "rollback", inventory, store }, deps));
    expect(e.message).toContain(`${a.manifest.image} is not signed by "ci"`);
    expect([...hosts.values()].reduce((n, h) => n + h.calls.length, 0)).toBe(calls);
    await signImage({ store, ref: a.manifest.image, key: key("ci"), principal: "ci" });
    const ok = await runDeploy({ mode: "rollback", inventory, store, dryRun: true }, deps);
    expect(ok.plan.nodes.flatMap((n) => n.actions.map((x) => x.kind))).toContain("create");
  });
});

describe("the CLI: kiln sign, verify-signature, inspect, provenance", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  /** Runs kiln in-process with argv, capturing stdout and stderr. */
  async function kiln(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    vi.spyOn(process.stdout, "write").mockImplementation((x: string | Uint8Array) => ((out += String(x)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((x: string | Uint8Array) => ((err += String(x)), true));
    const code = await main(["--store", store, ...argv]);
    vi.restoreAllMocks();
    return { code, out, err };
  }

  it("exit 0 when signed by the principal, 1 for another, 2 for a bad principal name", async () => {
    const c = await addVariant(store, "cli", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    const ref = c.manifest.image;
    const p = await kiln("provenance", ref);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.out)).toMatchObject({ _type: "https://in-toto.io/Statement/v1", predicate: { buildDefinition: { buildType: "urn:kiln:pack:v1" } } });
    const s = await kiln("sign", ref, "--key", key("ci"), "--principal", "ci", "--json");
    expect(s.code).toBe(0);
    expect((JSON.parse(s.out) as { signatures: string[] }).signatures.map((f) => f.split("/").pop())).toEqual(["manifest.ci.sig", "provenance.ci.sig"]);
    const v = await kiln("verify-signature", ref, "--allowed-signers", allowed, "--principal", "ci", "--require-provenance");
    expect(v.code, v.err).toBe(0);
    expect(v.out).toContain('provenance: provenance.ci.sig: valid, by "ci"');
    const wrong = await kiln("verify-signature", ref, "--allowed-signers", allowed, "--principal", "release");
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain(`${ref} is not signed by "release"`);
    expect((await kiln("verify-signature", ref, "--allowed-signers", allowed, "--principal", "-n x")).code).toBe(2);
    expect((await kiln("sign", ref, "--key", join(tmp, "no-such-key"))).code).toBe(2);
    const i = await kiln("inspect", ref, "--allowed-signers", allowed);
    expect(i.out).toMatch(/signed: +manifest\.ci\.sig: valid, by "ci"/);
    expect(i.out).toMatch(/provenance: .*provenance\.json \(signatures: provenance\.ci\.sig\)/);
  });

  it("kiln import --trust imports a bundle only when every image is signed as required, else nothing", async () => {
    const signed = await addVariant(store, "bundle-signed", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    const unsigned = await addVariant(store, "bundle-unsigned", { meta: { origin: "pack", lockSha256: null, recipe: null } });
    expect((await kiln("sign", signed.manifest.image, "--key", key("ci"), "--principal", "ci")).code).toBe(0);
    const both = join(tmp, "both.tar");
    const one = join(tmp, "one.tar");
    expect((await kiln("export", signed.manifest.image, unsigned.manifest.image, "-o", both)).code).toBe(0);
    expect((await kiln("export", signed.manifest.image, "-o", one)).code).toBe(0);
    const site = join(tmp, "site-store");
    const into = (...argv: string[]) => main(["--store", site, ...argv]);
    const quiet = () => {
      vi.spyOn(process.stdout, "write").mockImplementation(() => true);
      vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    };
    quiet();
    // One unsigned image: the whole bundle is refused (exit 1) and the site store gets no image.
    expect(await into("import", both, "--trust", allowed)).toBe(1);
    expect(await readdir(join(site, "images")).catch(() => [])).toEqual([]);
    // Signed by ci, but release is required too.
    expect(await into("import", one, "--trust", allowed, "--principal", "ci", "--principal", "release")).toBe(1);
    expect(await readdir(join(site, "images")).catch(() => [])).toEqual([]);
    // Signed, but the bundle carries no provenance.
    expect(await into("import", one, "--trust", allowed, "--principal", "ci", "--require-provenance")).toBe(1);
    expect(await readdir(join(site, "images")).catch(() => [])).toEqual([]);
    vi.restoreAllMocks();
    const ok = await kiln("--store", site, "import", one, "--trust", allowed, "--principal", "ci");
    expect(ok.code, ok.err).toBe(0);
    expect(await readdir(join(site, "images"))).toEqual([signed.manifest.image.slice(7)]);
    // The imported image verifies at the site as it did at the source.
    expect((await requireSigned(site, signed.manifest.image, { allowedSigners: allowed, principals: ["ci"] })).map((v) => v.valid)).toEqual([["ci"]]);
  });

  it("a baked image's provenance needs its lock", async () => {
    const b = await addVariant(store, "baked");
    const r = await kiln("provenance", b.manifest.image);
    expect(r.code).toBe(2);
    expect(r.err).toContain("give that lock (--lock FILE)");
  });
});
