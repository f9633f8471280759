// Registry references and credentials: every part validated by the distribution spec's grammar, no
// default registry, loopback detection for plain HTTP, challenges and docker config auth decoded.
import { describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../../../src/errors.js";
import { credentialsFor, parseChallenge } from "../../../../src/oci/registry/auth.js";
import { tokenScopes } from "../../../../src/oci/registry/client.js";
import { isLoopback, parseRegistryRef } from "../../../../src/oci/registry/reference.js";

const D = `sha256:${"a".repeat(64)}`;

/** The UserError message of parsing `s`. */
function refusal(s: string): string {
  try {
    parseRegistryRef(s, "REF");
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${s}`);
}

describe("parseRegistryRef", () => {
  it("splits host, repository, tag and digest", () => {
    expect(parseRegistryRef("Reg.Example.org:5000/a/b-c/d__e:v1.0", "REF")).toEqual({ host: "reg.example.org:5000", repo: "a/b-c/d__e", tag: "v1.0" });
    expect(parseRegistryRef(`127.0.0.1:5000/k@${D}`, "REF")).toEqual({ host: "127.0.0.1:5000", repo: "k", digest: D });
    expect(parseRegistryRef(`localhost/k:t@${D}`, "REF")).toEqual({ host: "localhost", repo: "k", tag: "t", digest: D });
    expect(parseRegistryRef("[::1]:5000/k", "REF")).toEqual({ host: "[::1]:5000", repo: "k" });
  });

  it("refuses each bad part, naming it, quoted", () => {
    expect(refusal("library/debian:12")).toContain("has no registry host");
    expect(refusal("debian")).toContain("has no registry host");
    expect(refusal("r.io:99999/k")).toContain("port outside");
    expect(refusal("r.io/Upper")).toContain("repository");
    expect(refusal("r.io/a//b")).toContain("repository");
    expect(refusal("r.io/a-/b")).toContain("repository");
    expect(refusal("r.io/k:-t")).toContain("tag");
    expect(refusal(`r.io/k:${"t".repeat(129)}`)).toContain("tag");
    expect(refusal("r.io/k@sha256:ABC")).toContain("digest");
    expect(refusal(`r.io/k@sha512:${"a".repeat(128)}`)).toContain("digest");
    expect(refusal("r.io/k:t\u001b[2J")).toContain("\\x1b");
    expect(refusal("r_io:1/k")).toContain("host");
  });

  it("plain HTTP only for loopback", () => {
    expect(["127.0.0.1:5000", "localhost", "[::1]:1", "127.1.2.3"].map(isLoopback)).toEqual([true, true, true, true]);
    expect(["10.0.0.1:5000", "localhost.evil.io", "128.0.0.1"].map(isLoopback)).toEqual([false, false, false]);
  });
});

describe("auth", () => {
  it("parses Basic and Bearer challenges", () => {
    expect(parseChallenge('Basic realm="kiln-test"')).toEqual({ scheme: "basic", params: { realm: "kiln-test" } });
    expect(parseChallenge('Bearer realm="https://auth.io/token",service="reg.io",scope="repository:a/b:pull,push"')).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.io/token", service: "reg.io", scope: "repository:a/b:pull,push" },
    });
    expect(parseChallenge("Negotiate x")).toBeUndefined();
    expect(parseChallenge(undefined)).toBeUndefined();
  });

  it("asks the token service for the challenge's scopes, this repository's covering what the client does", () => {
    expect(tokenScopes("repository:a/b:pull", "a/b", "pull")).toEqual(["repository:a/b:pull"]);
    // A push asks pull,push at the first challenge (a HEAD's challenge names only pull).
    expect(tokenScopes("repository:a/b:pull", "a/b", "pull,push")).toEqual(["repository:a/b:pull,push"]);
    expect(tokenScopes("repository:a/b:push,pull repository:c/d:pull", "a/b", "pull")).toEqual(["repository:a/b:pull,push", "repository:c/d:pull"]);
    expect(tokenScopes(undefined, "a/b", "pull")).toEqual(["repository:a/b:pull"]);
    expect(tokenScopes("repository:a/b:*", "a/b", "pull")).toEqual(["repository:a/b:pull,*"]);
  });

  it("takes credentials from the environment, else the docker config of the host", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-auth-"));
    try {
      expect(credentialsFor("r.io", { KILN_REGISTRY_USER: "u", KILN_REGISTRY_PASSWORD: "p:w", DOCKER_CONFIG: dir })).toEqual({ user: "u", password: "p:w" });
      expect(() => credentialsFor("r.io", { KILN_REGISTRY_USER: "u", DOCKER_CONFIG: dir })).toThrow(/both/);
      expect(credentialsFor("r.io", { DOCKER_CONFIG: dir })).toBeUndefined();
      await writeFile(
        join(dir, "config.json"),
        JSON.stringify({ auths: { "r.io:5000": { auth: Buffer.from("me:pa:ss").toString("base64") }, "bad.io": { auth: "bm9jb2xvbg==" } } }),
      );
      expect(credentialsFor("r.io:5000", { DOCKER_CONFIG: dir })).toEqual({ user: "me", password: "pa:ss" });
      expect(credentialsFor("other.io", { DOCKER_CONFIG: dir })).toBeUndefined();
      expect(() => credentialsFor("bad.io", { DOCKER_CONFIG: dir })).toThrow(/base64 of user:password/);
      await writeFile(join(dir, "config.json"), "{");
      expect(() => credentialsFor("r.io", { DOCKER_CONFIG: dir })).toThrow(/not JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
