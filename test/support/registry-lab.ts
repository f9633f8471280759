// A registry lab for the integration tests and the bench: Debian's docker-registry started on a free
// loopback port with its own config and storage (the system service is never touched), a CA and server
// certificate made with openssl, and a small bearer-token service (distribution's token spec: basic
// credentials in, a JWT signed ES256 with a certificate the registry trusts out, per requested scope).
import { spawn, type ChildProcess } from "node:child_process";
import { createPrivateKey, randomBytes, sign } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { run } from "../../src/exec/run.js";

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (typeof a === "object" && a ? res(a.port) : rej(new Error("no port"))));
    });
  });
}

/** Starts docker-registry under `dir` with `http` / `auth` YAML on a free port; returns host:port once /v2/ answers. */
export async function startRegistry(o: { dir: string; http?: string; auth?: string; procs: ChildProcess[] }): Promise<string> {
  const port = await freePort();
  await mkdir(join(o.dir, "data"), { recursive: true });
  const http = o.http ?? "";
  const config = `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(o.dir, "data")}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${http}${o.auth ?? ""}`;
  await writeFile(join(o.dir, "config.yml"), config);
  const p = spawn("docker-registry", ["serve", join(o.dir, "config.yml")], { stdio: ["ignore", "ignore", "pipe"] });
  o.procs.push(p);
  const scheme = http.includes("tls:") ? "https" : "http";
  for (let i = 0; i < 100; i++) {
    const r = await run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", `${scheme}://127.0.0.1:${port}/v2/`], { allowFailure: true });
    if (r.stdout === "200" || r.stdout === "401") return `127.0.0.1:${port}`;
    await new Promise((s) => setTimeout(s, 100));
  }
  throw new Error(`${o.dir}: docker-registry did not start`);
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Makes a CA and a server certificate for 127.0.0.1 signed by it; returns the paths. */
export async function makeCerts(dir: string): Promise<{ ca: string; crt: string; key: string }> {
  const f = (n: string) => join(dir, n);
  await run(["openssl", "req", "-x509", ...EC, "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "2", "-subj", "/CN=kiln-test-ca"]);
  await run(["openssl", "req", ...EC, "-keyout", f("srv.key"), "-out", f("srv.csr"), "-subj", "/CN=127.0.0.1"]);
  await writeFile(f("ext"), "subjectAltName=IP:127.0.0.1\n");
  const x509 = ["x509", "-req", "-in", f("srv.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial"];
  await run(["openssl", ...x509, "-out", f("srv.crt"), "-days", "2", "-extfile", f("ext")]);
  return { ca: f("ca.crt"), crt: f("srv.crt"), key: f("srv.key") };
}

/** A running token service: the registry's `auth: token:` YAML, the scopes asked for, and close(). */
export interface TokenService {
  readonly authYaml: string;
  /** Every `scope` parameter of every token request, in order (one entry per request, scopes space-joined). */
  readonly requests: string[];
  close(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** Starts a token service on loopback that issues ES256 JWTs for `user`:`password` (anything else: 401). */
export async function startTokenService(dir: string, user: string, password: string): Promise<TokenService> {
  const key = join(dir, "token.key");
  const crt = join(dir, "token.crt");
  await run(["openssl", "req", "-x509", ...EC, "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=kiln-test-token-issuer"]);
  const privateKey = createPrivateKey(await readFile(key));
  const der = (await readFile(crt, "utf8")).replace(/-----[^-]+-----|\s/g, "");
  const service = "kiln-test-registry";
  const issuer = "kiln-test-issuer";
  const requests: string[] = [];
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const server: Server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const scopes = url.searchParams.getAll("scope").flatMap((s) => s.split(" ").filter(Boolean));
    requests.push(scopes.join(" "));
    if (url.pathname !== "/token" || url.searchParams.get("service") !== service || req.headers.authorization !== expected) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}');
      return;
    }
    // Grants what is asked for in repository scopes (a real service would check its own policy here).
    const access = scopes.flatMap((s) => {
      const m = /^repository:([^:]+):(.+)$/.exec(s);
      return m ? [{ type: "repository", name: m[1], actions: (m[2] as string).split(",") }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const head = b64url(JSON.stringify({ alg: "ES256", typ: "JWT", x5c: [der] }));
    const claims = { iss: issuer, sub: user, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"), access };
    const body = `${head}.${b64url(JSON.stringify(claims))}`;
    const sig = sign("sha256", Buffer.from(body), { key: privateKey, dsaEncoding: "ieee-p1363" });
    const token = `${body}.${b64url(sig)}`;
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  const port = await new Promise<number>((res) => server.listen(0, "127.0.0.1", () => res((server.address() as { port: number }).port)));
  return {
    authYaml: `auth:\n  token:\n    realm: http://127.0.0.1:${port}/token\n    service: ${service}\n    issuer: ${issuer}\n    rootcertbundle: ${crt}\n`,
    requests,
    close: () => new Promise((res) => server.close(() => res())),
  };
}
