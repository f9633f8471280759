// kiln push / pull against Debian's docker-registry (distribution 2.8, no referrers API), started here on
// 127.0.0.1 with its own config and storage (the system service is never touched): one plain-HTTP
// registry, one with TLS (a CA made with openssl here) and htpasswd (bcrypt) auth, one with bearer tokens
// from a token service run here (test/support/registry-lab.ts). skopeo reads back
// what kiln pushed, kiln pulls what skopeo pushed, a second push uploads nothing, a tampered manifest is
// refused with nothing imported. Needs docker-registry, htpasswd, skopeo, openssl (scripts/install-deps.sh).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { run, type RunResult } from "../../src/exec/run.js";
import { makeCerts, startRegistry, startTokenService, type TokenService } from "../support/registry-lab.js";

const root = resolve(__dirname, "../..");
const cli = join(root, "dist/src/main.js");
let tmp: string;
let id: string;
let hex: string;
let layer: string;
const regs: ChildProcess[] = [];
let plain: string; // 127.0.0.1:PORT
let secure: string;
const noDocker = { DOCKER_CONFIG: "" }; // set in beforeAll: an empty dir, so no user config leaks in

/** Runs the built kiln; never throws on a non-zero exit. */
function kiln(store: string, env: Record<string, string>, ...args: string[]): Promise<RunResult> {
  return run([process.execPath, cli, "--store", store, ...args], { allowFailure: true, cwd: tmp, env: { ...noDocker, ...env } });
}

/** skopeo inspect (JSON) of a docker:// reference on a test registry. */
async function inspect(ref: string, ...flags: string[]): Promise<{ Digest: string; Layers: string[] }> {
  return JSON.parse((await run(["skopeo", "inspect", "--tls-verify=false", ...flags, `docker://${ref}`])).stdout);
}

/** Wall-clock milliseconds of `f`. */
async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await f();
  return [v, performance.now() - t];
}

let certs: { ca: string; crt: string; key: string };
let tokens: TokenService | undefined;
let bearer: string; // docker-registry with auth: token, and the token service beside it
const creds = { KILN_REGISTRY_USER: "kiln", KILN_REGISTRY_PASSWORD: "s3cret pass" };

beforeAll(async () => {
  if (!existsSync(cli)) await run(["npx", "tsc", "-p", "tsconfig.json"], { cwd: root });
  tmp = await mkdtemp(join(tmpdir(), "kiln-registry-it-"));
  await mkdir(join(tmp, "docker-empty"));
  noDocker.DOCKER_CONFIG = join(tmp, "docker-empty");
  const tree = join(tmp, "tree");
  await mkdir(join(tree, "etc"), { recursive: true });
  await writeFile(join(tree, "etc/os-release"), 'ID=debian\nVERSION_ID="12"\n');
  await writeFile(join(tree, "etc/blob"), randomBytes(32 << 20)); // a 32 MiB layer, so transfer time shows beside process start
  const store = join(tmp, "store");
  const r = await kiln(
    store,
    {},
    "pack",
    tree,
    "--name",
    "t",
    "--version",
    "1.0.0",
    "--arch",
    "amd64",
    "--ostype",
    "debian",
    "--epoch",
    "1700000000",
    "--json",
  );
  expect(r.exitCode, r.stderr).toBe(0);
  id = (JSON.parse(r.stdout) as { image: string }).image;
  hex = id.slice("sha256:".length);
  layer = `sha256:${(JSON.parse(await readFile(join(store, "images", hex, "manifest.json"), "utf8")) as { template: { sha256: string } }).template.sha256}`;
  // A signature, so an attestation travels as a referrer.
  await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ci", "-f", join(tmp, "ci")]);
  const pub = (await readFile(join(tmp, "ci.pub"), "utf8")).split(" ").slice(0, 2).join(" ");
  await writeFile(join(tmp, "allowed_signers"), `ci ${pub}\n`);
  const s = await kiln(store, {}, "sign", hex, "--key", join(tmp, "ci"), "--principal", "ci");
  expect(s.exitCode, s.stderr).toBe(0);
  plain = await startRegistry({ dir: join(tmp, "plain"), procs: regs });
  certs = await makeCerts(tmp);
  await run(["htpasswd", "-Bbc", join(tmp, "htpasswd"), creds.KILN_REGISTRY_USER, creds.KILN_REGISTRY_PASSWORD]);
  secure = await startRegistry({
    dir: join(tmp, "secure"),
    http: `  tls:\n    certificate: ${certs.crt}\n    key: ${certs.key}\n`,
    auth: `auth:\n  htpasswd:\n    realm: kiln-test\n    path: ${join(tmp, "htpasswd")}\n`,
    procs: regs,
  });
  tokens = await startTokenService(tmp, creds.KILN_REGISTRY_USER, creds.KILN_REGISTRY_PASSWORD);
  bearer = await startRegistry({ dir: join(tmp, "bearer"), auth: tokens.authYaml, procs: regs });
}, 120_000);

afterAll(async () => {
  for (const p of regs) p.kill("SIGTERM");
  await tokens?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("kiln push / pull with docker-registry", () => {
  it("push: skopeo reads the image back (same layer); a second push uploads no blob", async () => {
    const store = join(tmp, "store");
    // For the time ratio: skopeo pushes the same image (zstd layer, as stored) first, into another
    // repository, so neither finds the other's blobs (skopeo's blob cache would otherwise mount them).
    const asStored = join(tmp, "as-stored");
    expect((await kiln(store, {}, "oci", hex, "--out", asStored, "--compression", "zstd")).exitCode).toBe(0);
    const [, tSkopeoPush] = await timed(() => run(["skopeo", "copy", "--dest-tls-verify=false", `oci:${asStored}:${hex}`, `docker://${plain}/timing/t:1`]));
    const [first, tPush] = await timed(() => kiln(store, {}, "push", hex, `${plain}/kiln/t:1.0.0`, "--json"));
    expect(first.exitCode, first.stderr).toBe(0);
    const p = JSON.parse(first.stdout) as { manifest: string; uploaded: number; skipped: number; referrers: number; referrersTag: string };
    const attestations = (await readdir(join(store, "attestations", hex))).length; // signature, provenance and its signature
    expect(p).toMatchObject({ referrers: 1 + attestations, referrersTag: `sha256-${p.manifest.slice(7)}` });
    expect(p.uploaded).toBe(4 + attestations); // layer, config, the empty config (once), the kiln manifest file, each attestation file

    const i = await inspect(`${plain}/kiln/t:1.0.0`);
    expect(i.Digest).toBe(p.manifest);
    expect(i.Layers).toEqual([layer]);
    const copy = join(tmp, "copied");
    const [, tSkopeo] = await timed(() => run(["skopeo", "copy", "--src-tls-verify=false", `docker://${plain}/kiln/t:1.0.0`, `oci:${copy}:x`]));
    const idx = JSON.parse(await readFile(join(copy, "index.json"), "utf8")) as { manifests: { digest: string }[] };
    const m = JSON.parse(await readFile(join(copy, "blobs/sha256", (idx.manifests[0] as { digest: string }).digest.slice(7)), "utf8")) as {
      layers: { digest: string }[];
    };
    expect(m.layers.map((l) => l.digest)).toEqual([layer]);
    const again = await kiln(store, {}, "push", hex, `${plain}/kiln/t:1.0.0`, "--json");
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ uploaded: 0, manifest: p.manifest });
    // The fallback index lists each referrer once, however often the image is pushed.
    const tagIndex = JSON.parse((await run(["skopeo", "inspect", "--raw", "--tls-verify=false", `docker://${plain}/kiln/t:${p.referrersTag}`])).stdout) as {
      manifests: unknown[];
    };
    expect(tagIndex.manifests).toHaveLength(1 + attestations);
    const [, tStart] = await timed(() => kiln(store, {}, "--version"));
    console.log(
      `push: kiln ${tPush.toFixed(0)} ms (node start ${tStart.toFixed(0)} ms; includes checking the template's sha256 while it uploads); skopeo copy oci → registry ${tSkopeoPush.toFixed(0)} ms; ratio ${(tPush / tSkopeoPush).toFixed(2)}; skopeo copy registry → oci ${tSkopeo.toFixed(0)} ms`,
    );
  }, 120_000);

  it("pull: a fresh store gets the same image id and its signatures, checked with --trust (a missing principal imports nothing)", async () => {
    const unsigned = await kiln(join(tmp, "untrusted"), {}, "pull", `${plain}/kiln/t:1.0.0`, "--trust", join(tmp, "allowed_signers"), "--principal", "release");
    expect(unsigned.exitCode, unsigned.stderr).toBe(1);
    expect(existsSync(join(tmp, "untrusted", "images")) ? await readdir(join(tmp, "untrusted", "images")) : []).toEqual([]);
    const dest = join(tmp, "pulled");
    const [r, tPull] = await timed(() =>
      kiln(dest, {}, "pull", `${plain}/kiln/t:1.0.0`, "--trust", join(tmp, "allowed_signers"), "--principal", "ci", "--json"),
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { images: { id: string; attestations: number }[] }).images).toMatchObject([{ id, attestations: 3 }]);
    expect(await readdir(join(dest, "attestations", hex))).toEqual(await readdir(join(tmp, "store", "attestations", hex)));
    const v = await kiln(dest, {}, "store", "verify", hex);
    expect(v.exitCode, v.stderr).toBe(0);
    const oci = join(tmp, "skopeo-pull");
    const [, tSkopeo] = await timed(() => run(["skopeo", "copy", "--src-tls-verify=false", `docker://${plain}/kiln/t:1.0.0`, `oci:${oci}:x`]));
    console.log(
      `pull: kiln ${tPull.toFixed(0)} ms (incl. full verification and import); skopeo copy ${tSkopeo.toFixed(0)} ms; ratio ${(tPull / tSkopeo).toFixed(2)}`,
    );
  }, 120_000);

  it("kiln pulls what skopeo pushed (with kiln's referrers added by a push that uploads only them)", async () => {
    const store = join(tmp, "store");
    const layout = join(tmp, "layout");
    expect((await kiln(store, {}, "oci", hex, "--out", layout)).exitCode).toBe(0);
    const [, tSkopeo] = await timed(() => run(["skopeo", "copy", "--dest-tls-verify=false", `oci:${layout}:${hex}`, `docker://${plain}/sk/t:1`]));
    const bare = await kiln(join(tmp, "bare"), {}, "pull", `${plain}/sk/t:1`);
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toContain("no kiln manifest");
    const [up, tPush] = await timed(() => kiln(store, {}, "push", hex, `${plain}/sk/t:1`, "--compression", "gzip", "--json"));
    expect(up.exitCode, up.stderr).toBe(0);
    const u = JSON.parse(up.stdout) as { manifest: string; uploaded: number; skipped: number };
    expect(u.manifest).toBe((await inspect(`${plain}/sk/t:1`)).Digest); // kiln oci and kiln push write one manifest
    expect(u.skipped).toBeGreaterThanOrEqual(2); // skopeo's layer and config
    const pulled = await kiln(join(tmp, "from-skopeo"), {}, "pull", `${plain}/sk/t@${u.manifest}`, "--json");
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect((JSON.parse(pulled.stdout) as { images: { id: string; recompressed: boolean }[] }).images).toMatchObject([{ id, recompressed: true }]);
    console.log(
      `push --compression gzip (re-compresses the layer, uploads only the referrers): kiln ${tPush.toFixed(0)} ms; skopeo copy oci → registry ${tSkopeo.toFixed(0)} ms`,
    );
  }, 120_000);

  it("a manifest whose bytes do not match its digest is refused and nothing is imported", async () => {
    const d = (await inspect(`${plain}/kiln/t:1.0.0`)).Digest.slice(7);
    const data = join(tmp, "plain/data/docker/registry/v2/blobs/sha256", d.slice(0, 2), d, "data");
    const good = await readFile(data);
    const bad = good.toString("utf8").replace(/("org\.opencontainers\.image\.version":\s*)"1\.0\.0"/, '$1"6.6.6"');
    expect(bad).not.toBe(good.toString("utf8"));
    await writeFile(data, bad);
    try {
      const dest = join(tmp, "tampered");
      for (const ref of [`${plain}/kiln/t@sha256:${d}`, `${plain}/kiln/t:1.0.0`]) {
        const r = await kiln(dest, {}, "pull", ref);
        expect(r.exitCode, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/digest sha256:[0-9a-f]{64}.*nothing was imported/);
      }
      expect(existsSync(join(dest, "images")) ? await readdir(join(dest, "images")) : []).toEqual([]);
    } finally {
      await writeFile(data, good);
    }
  }, 60_000);

  it("TLS + htpasswd: credentials from the environment or a docker config, the CA from --ca-file or KILN_REGISTRY_CA", async () => {
    const store = join(tmp, "store");
    const anon = await kiln(store, { KILN_REGISTRY_CA: certs.ca }, "push", hex, `${secure}/kiln/t:1`);
    expect(anon.exitCode).toBe(2);
    expect(anon.stderr).toContain("asks for credentials");
    const noCa = await kiln(store, creds, "push", hex, `${secure}/kiln/t:1`);
    expect(noCa.exitCode).toBe(3);
    const wrong = await kiln(store, { ...creds, KILN_REGISTRY_PASSWORD: "nope", KILN_REGISTRY_CA: certs.ca }, "push", hex, `${secure}/kiln/t:1`);
    expect(wrong.exitCode).toBe(2);
    const ok = await kiln(store, creds, "push", hex, `${secure}/kiln/t:1`, "--ca-file", certs.ca);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect((await inspect(`${secure}/kiln/t:1`, "--creds", `${creds.KILN_REGISTRY_USER}:${creds.KILN_REGISTRY_PASSWORD}`)).Layers).toEqual([layer]);
    const cfg = join(tmp, "docker-cfg");
    await mkdir(cfg);
    const auth = Buffer.from(`${creds.KILN_REGISTRY_USER}:${creds.KILN_REGISTRY_PASSWORD}`).toString("base64");
    await writeFile(join(cfg, "config.json"), JSON.stringify({ auths: { [secure]: { auth } } }));
    const p = await kiln(join(tmp, "secure-pulled"), { DOCKER_CONFIG: cfg, KILN_REGISTRY_CA: certs.ca }, "pull", `${secure}/kiln/t:1`, "--json");
    expect(p.exitCode, p.stderr).toBe(0);
    expect((JSON.parse(p.stdout) as { images: { id: string }[] }).images).toMatchObject([{ id }]);
  }, 120_000);

  it("bearer tokens from a token service: push asks pull,push once, pull asks pull; a wrong password is refused (exit 2)", async () => {
    const t = tokens as TokenService;
    const store = join(tmp, "store");
    const wrong = await kiln(store, { ...creds, KILN_REGISTRY_PASSWORD: "nope" }, "push", hex, `${bearer}/kiln/t:1`);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain(`${bearer}: the token service refused the credentials (HTTP 401)`);
    t.requests.length = 0;
    const up = await kiln(store, creds, "push", hex, `${bearer}/kiln/t:1`);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(new Set(t.requests)).toEqual(new Set(["repository:kiln/t:pull,push"]));
    t.requests.length = 0;
    const p = await kiln(join(tmp, "bearer-pulled"), creds, "pull", `${bearer}/kiln/t:1`, "--json");
    expect(p.exitCode, p.stderr).toBe(0);
    expect((JSON.parse(p.stdout) as { images: { id: string }[] }).images).toMatchObject([{ id }]);
    expect(new Set(t.requests)).toEqual(new Set(["repository:kiln/t:pull"]));
    const anon = await kiln(join(tmp, "bearer-anon"), {}, "pull", `${bearer}/kiln/t:1`);
    expect(anon.exitCode).toBe(2);
    expect(anon.stderr).toContain("asks for credentials");
  }, 120_000);

  it("kiln deploy REGISTRY/REPO:TAG pulls first, then the inventory's [trust] refuses an image lacking a principal", async () => {
    const store = join(tmp, "deploy-store");
    const inv = join(tmp, "inventory.toml");
    await writeFile(
      inv,
      '[hosts.h]\naddress = "local"\ndriver = "lxc"\n[nodes.n]\nhost = "h"\nslots = [101, 102]\nnetwork = { bridge = "br0", ip = "dhcp", mac = "02:00:00:00:00:01" }\n[trust]\nallowed_signers = "allowed_signers"\nprincipals = ["release"]\n',
    );
    const r = await kiln(store, {}, "deploy", `${plain}/kiln/t:1.0.0`, "--inventory", inv, "--dry-run");
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('"release"');
    expect(await readdir(join(store, "images"))).toEqual([hex]); // pulled, verified, then refused by [trust]
  }, 60_000);

  it("bad references are refused before any connection", async () => {
    const store = join(tmp, "store");
    for (const [ref, msg] of [
      ["kiln/t:1", "has no registry host"],
      [`${plain}/Kiln/T`, "repository"],
      [`${plain}/k:bad tag`, "tag"],
      [`${plain}/k@sha256:abc`, "digest"],
      ["h\u001b[2J:1/k:1", "\\x1b"],
    ] as const) {
      const r = await kiln(store, {}, "pull", ref);
      expect(r.exitCode, ref).toBe(2);
      expect(r.stderr).toContain(msg);
    }
    const r = await kiln(store, {}, "push", hex, "registry.invalid/k:1", "--insecure-http");
    expect(r.exitCode).toBe(3); // a lookup failure: the tool error, not a hang
  }, 60_000);
});
