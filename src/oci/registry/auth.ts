// Registry credentials and challenges. Credentials come from KILN_REGISTRY_USER/KILN_REGISTRY_PASSWORD or
// a docker-style config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json: auths.<host>.auth =
// base64 "user:pass"), never from the command line (argv is visible to every local user).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../errors.js";
import { quoteInput } from "../../util/quote.js";

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** A parsed WWW-Authenticate challenge. */
export interface Challenge {
  readonly scheme: "basic" | "bearer";
  readonly params: Readonly<Record<string, string>>;
}

/** The docker config file to read. */
function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return env["DOCKER_CONFIG"] ? join(env["DOCKER_CONFIG"], "config.json") : join(homedir(), ".docker", "config.json");
}

/** Decodes an `auths.<host>.auth` value (base64 "user:pass"). */
function decodeAuth(v: unknown, file: string, host: string): Credentials {
  const text = typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : "";
  const i = text.indexOf(":");
  if (i <= 0) throw new UserError({ file, key: `auths.${host}.auth`, message: "is not base64 of user:password" });
  return { user: text.slice(0, i), password: text.slice(i + 1) };
}

/** Credentials for `host` from the environment or the docker config, or undefined (anonymous). */
export function credentialsFor(host: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const user = env["KILN_REGISTRY_USER"];
  const password = env["KILN_REGISTRY_PASSWORD"];
  if (user !== undefined || password !== undefined) {
    if (!user || password === undefined)
      throw new UserError({ key: "KILN_REGISTRY_USER", message: "set both KILN_REGISTRY_USER and KILN_REGISTRY_PASSWORD, or neither" });
    return { user, password };
  }
  const file = dockerConfigPath(env);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined; // no config: anonymous
  }
  let cfg: unknown;
  try {
    cfg = JSON.parse(text);
  } catch (e) {
    throw new UserError({ file, message: `not JSON (${(e as Error).message}): fix or remove it` });
  }
  const auths = (cfg as { auths?: Record<string, { auth?: unknown }> } | null)?.auths;
  const entry = auths && typeof auths === "object" ? (auths[host] ?? auths[`https://${host}`]) : undefined;
  return entry === undefined ? undefined : decodeAuth(entry.auth, file, quoteInput(host));
}

/** Parses `Basic realm="x"` / `Bearer realm="…",service="…",scope="…"`; undefined for other schemes. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  const m = /^\s*(Basic|Bearer)\b(.*)$/i.exec(header ?? "");
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[2] ?? "").matchAll(/([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|([^\s,]*))/g)) params[(p[1] as string).toLowerCase()] = p[2] ?? p[3] ?? "";
  return { scheme: (m[1] as string).toLowerCase() === "basic" ? "basic" : "bearer", params };
}

/** The Authorization header value for HTTP basic auth. */
export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.user}:${c.password}`, "utf8").toString("base64")}`;
}
