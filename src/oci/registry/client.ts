// A small OCI Distribution API client over node:http/https: one request() that authenticates (basic, or a
// bearer token from the challenge's realm), TLS with an optional CA file, plain HTTP only for loopback or
// with --insecure-http, and every response body read with a bound.
import { readFileSync } from "node:fs";
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { ToolError, UserError } from "../../errors.js";
import { quoteInput } from "../../util/quote.js";
import { basicHeader, credentialsFor, parseChallenge, type Credentials } from "./auth.js";
import { isLoopback } from "./reference.js";

/** Largest manifest (or referrers index) read into memory. */
export const MAX_MANIFEST_BYTES = 4 << 20;
/** Largest error body or token response read. */
export const MAX_ERROR_BYTES = 64 << 10;

export interface ClientOptions {
  readonly caFile?: string;
  readonly insecureHttp?: boolean;
  /** What the client will do in its repository: a push asks its bearer token for pull,push at once (default pull). */
  readonly push?: boolean;
}

/** One request: a body is bytes, or a factory for a stream (so an authenticated retry can reopen it). */
export interface RequestSpec {
  readonly method: "GET" | "HEAD" | "POST" | "PUT";
  /** A path under the registry (`/v2/…`) or an absolute URL (an upload Location). */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | (() => Readable);
  readonly length?: number;
}

export interface Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: IncomingMessage;
}

/** Reads at most `max` bytes of a response body; more is an error naming `what`. */
export async function readBounded(res: IncomingMessage, max: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > max) {
      res.destroy();
      throw new ToolError(`${what}: response over ${max} bytes: refused`);
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** A client for one registry host and repository. */
export class RegistryClient {
  readonly base: URL;
  private readonly ca?: Buffer;
  private authorization?: string;
  private creds?: Credentials | null;
  private readonly actions: string;

  constructor(
    readonly host: string,
    readonly repo: string,
    o: ClientOptions = {},
  ) {
    if (o.caFile !== undefined) {
      try {
        this.ca = readFileSync(o.caFile);
      } catch (e) {
        throw new UserError({
          key: "--ca-file",
          message: `${quoteInput(o.caFile)}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        });
      }
    }
    // Plain HTTP sends blobs and credentials in clear: only to this machine, or when asked for by name.
    this.actions = o.push === true ? "pull,push" : "pull";
    const plain = o.insecureHttp === true || (isLoopback(host) && o.caFile === undefined);
    this.base = new URL(`${plain ? "http" : "https"}://${host}`);
  }

  /** Credentials, looked up once. */
  private credentials(): Credentials | undefined {
    if (this.creds === undefined) this.creds = credentialsFor(this.host) ?? null;
    return this.creds ?? undefined;
  }

  /** Sends one HTTP request (no auth handling). */
  private send(url: URL, spec: RequestSpec, auth: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { ...spec.headers };
    if (auth && url.host === this.base.host) headers["authorization"] = auth;
    if (spec.length !== undefined) headers["content-length"] = String(spec.length);
    const mod = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method: spec.method, headers, ...(url.protocol === "https:" && this.ca ? { ca: this.ca } : {}) }, (res) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
      );
      req.on("error", (e) => reject(new ToolError(`${spec.method} ${url.origin}${url.pathname}: ${e.message}`, { cause: e })));
      const b = spec.body;
      if (b === undefined) req.end();
      else if (Buffer.isBuffer(b)) req.end(b);
      else {
        const s = b();
        s.on("error", (e) => req.destroy(e));
        s.pipe(req);
      }
    });
  }

  /** Resolves a path or Location against the registry; plain HTTP elsewhere than the registry's own scheme is refused. */
  url(u: string): URL {
    const url = new URL(u, this.base);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && this.base.protocol === "http:"))
      throw new ToolError(`registry sent a location ${quoteInput(u)} that is not https: refused`);
    return url;
  }

  /** Sends a request; follows a few redirects of GET/HEAD (blob storage elsewhere; credentials stay with the registry). */
  async request(spec: RequestSpec): Promise<Response> {
    let res = await this.authed(spec);
    for (let hops = 0; hops < 5 && [301, 302, 303, 307, 308].includes(res.status) && (spec.method === "GET" || spec.method === "HEAD"); hops++) {
      res.body.resume();
      const to = res.headers.location;
      if (typeof to !== "string") throw new ToolError(`${spec.method} ${spec.url}: redirect without a Location`);
      const url = this.url(new URL(to, this.url(spec.url)).href);
      res = await this.send(url, spec, this.authorization);
    }
    return res;
  }

  /** Sends a request; on a 401 challenge authenticates (basic or bearer token) and retries once. */
  private async authed(spec: RequestSpec): Promise<Response> {
    const url = this.url(spec.url);
    const res = await this.send(url, spec, this.authorization);
    if (res.status !== 401) return res;
    res.body.resume();
    const ch = parseChallenge(res.headers["www-authenticate"]);
    const c = this.credentials();
    if (!ch) throw new ToolError(`${this.host}: 401 without a Basic or Bearer challenge`);
    if (ch.scheme === "basic") {
      if (!c) throw needCredentials(this.host);
      this.authorization = basicHeader(c);
    } else this.authorization = `Bearer ${await this.token(ch.params, c)}`;
    const again = await this.send(url, spec, this.authorization);
    if (again.status === 401) {
      again.body.resume();
      throw c ? new UserError({ key: "KILN_REGISTRY_USER", message: `${this.host} refused the credentials` }) : needCredentials(this.host);
    }
    return again;
  }

  /** Fetches a bearer token from the challenge's realm (with basic credentials when there are some). */
  private async token(p: Readonly<Record<string, string>>, c: Credentials | undefined): Promise<string> {
    if (!p["realm"]) throw new ToolError(`${this.host}: a Bearer challenge without a realm: no token service to ask`);
    const realm = this.url(p["realm"]);
    if (p["service"]) realm.searchParams.set("service", p["service"]);
    for (const s of tokenScopes(p["scope"], this.repo, this.actions)) realm.searchParams.append("scope", s);
    const headers: Record<string, string> = c ? { authorization: basicHeader(c) } : {};
    const res = await this.send(realm, { method: "GET", url: realm.href, headers }, undefined);
    const text = (await readBounded(res.body, MAX_ERROR_BYTES, `token from ${realm.origin}`)).toString("utf8");
    if (res.status !== 200)
      throw c
        ? new UserError({ key: "KILN_REGISTRY_USER", message: `${this.host}: the token service refused the credentials (HTTP ${res.status})` })
        : needCredentials(this.host);
    let j: { token?: unknown; access_token?: unknown };
    try {
      j = JSON.parse(text) as typeof j;
    } catch {
      throw new ToolError(`${this.host}: the token service answered with something that is not JSON`);
    }
    const t = typeof j.token === "string" ? j.token : j.access_token;
    if (typeof t !== "string" || !/^[\x21-\x7e]{1,8192}$/.test(t)) throw new ToolError(`${this.host}: the token service's answer has no usable token`);
    return t;
  }

  /** A ToolError for an unexpected status, with the registry's error codes (body read with a bound). */
  async fail(res: Response, what: string): Promise<ToolError> {
    let detail = "";
    try {
      const j = JSON.parse((await readBounded(res.body, MAX_ERROR_BYTES, what)).toString("utf8")) as { errors?: { code?: unknown; message?: unknown }[] };
      detail = (j.errors ?? []).map((e) => `${quoteInput(String(e.code))}: ${quoteInput(String(e.message))}`).join("; ");
    } catch {
      res.body.destroy();
    }
    return new ToolError(`${what}: HTTP ${res.status}${detail ? ` (${detail})` : ""}`);
  }
}

/**
 * The scopes to ask the token service for (distribution token spec): each scope the challenge names, with
 * this repository's always covering `actions` (a push asks pull,push once, not pull first and push after).
 */
export function tokenScopes(challenged: string | undefined, repo: string, actions: string): string[] {
  const own = `repository:${repo}:`;
  const scopes = (challenged ?? "").split(" ").filter(Boolean);
  const out = scopes.filter((s) => !s.startsWith(own));
  const wanted = new Set([...actions.split(","), ...scopes.filter((s) => s.startsWith(own)).flatMap((s) => s.slice(own.length).split(","))]);
  const order = ["pull", "push", ...[...wanted].filter((a) => a !== "pull" && a !== "push").sort()];
  return [`${own}${order.filter((a) => wanted.has(a)).join(",")}`, ...out];
}

/** The error for a registry asking for credentials kiln does not have. */
function needCredentials(host: string): UserError {
  return new UserError(
    { key: "KILN_REGISTRY_USER", message: `${host} asks for credentials` },
    { hint: "set KILN_REGISTRY_USER and KILN_REGISTRY_PASSWORD, or add auths.<host>.auth to $DOCKER_CONFIG/config.json" },
  );
}
