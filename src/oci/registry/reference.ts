// A registry reference, `HOST[:PORT]/REPO[:TAG|@sha256:HEX]`, validated part by part (distribution spec
// grammar) before any part reaches a URL or a message. The host must name a registry explicitly: there is
// no default registry, so a typo never sends an image to Docker Hub.
import { UserError } from "../../errors.js";
import { quoteInput } from "../../util/quote.js";
import { DIGEST_RE } from "../layout.js";

/** A parsed, validated registry reference. */
export interface RegistryRef {
  /** host[:port] as written (lowercase host). */
  readonly host: string;
  readonly repo: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Repository path (distribution spec: path components of lowercase alphanumerics and separators). */
export const REPO_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
/** Tag (distribution spec). */
export const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** host[:port]: a DNS name, an IPv4 address or a bracketed IPv6 address, optional port. */
const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?$/;

/** Problems of a host[:port], or undefined. */
export function hostProblem(host: string): string | undefined {
  const m = HOST_RE.exec(host);
  if (!m) return "is not a registry host[:port] (a DNS name, IPv4 or [IPv6] address, optional :port)";
  // As docker reads references: a first component without a dot or port (and not localhost) is a repository path.
  if (m[1] === undefined && !host.includes(".") && !host.startsWith("[") && host !== "localhost")
    return "is not a registry host: give a name with a dot, a :port, or localhost";
  if (m[1] !== undefined && (Number(m[1]) < 1 || Number(m[1]) > 65535)) return "has a port outside 1-65535";
  return undefined;
}

/** Parses `HOST[:PORT]/REPO[:TAG|@DIGEST]`; `key` names the argument in errors. */
export function parseRegistryRef(s: string, key: string): RegistryRef {
  const fail = (why: string): never => {
    throw new UserError({ key, message: `${quoteInput(s)} ${why}` }, { hint: "write HOST[:PORT]/REPO[:TAG] or HOST[:PORT]/REPO@sha256:<64 hex>" });
  };
  if (s.length > 512) fail("is too long for a registry reference");
  const slash = s.indexOf("/");
  if (slash <= 0) fail("has no registry host: write HOST[:PORT]/REPO…");
  if (hostProblem(s.slice(0, slash)) !== undefined && !/[.:]/.test(s.slice(0, slash)))
    fail("has no registry host: write HOST[:PORT]/REPO… (there is no default registry)");
  const host = s.slice(0, slash);
  const hp = hostProblem(host);
  if (hp) fail(`: host ${quoteInput(host)} ${hp}`);
  let rest = s.slice(slash + 1);
  let digest: string | undefined;
  let tag: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) fail(`: digest ${quoteInput(digest)} is not sha256:<64 lowercase hex>`);
  }
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) fail(`: tag ${quoteInput(tag)} does not match ${TAG_RE.source}`);
  }
  if (!REPO_RE.test(rest) || host.length + 1 + rest.length > 255)
    fail(
      `: repository ${quoteInput(rest)} does not match the distribution spec's name grammar (lowercase a-z0-9 with . _ __ - separators, / between components)`,
    );
  return { host: host.toLowerCase(), repo: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Whether a host[:port] is a loopback address (where plain HTTP is allowed without --insecure-http). */
export function isLoopback(host: string): boolean {
  const name = host.replace(/:[0-9]+$/, "");
  return name === "localhost" || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(name) || name === "[::1]";
}

/** The reference as written back (for messages and results). */
export function formatRef(r: RegistryRef): string {
  return `${r.host}/${r.repo}${r.tag !== undefined ? `:${r.tag}` : ""}${r.digest !== undefined ? `@${r.digest}` : ""}`;
}
