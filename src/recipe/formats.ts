// Named string formats the schema refers to: a pattern (also emitted into the JSON schema), what it
// means in words (for messages and docs), and, where a pattern cannot say it all, a further check or a
// conversion into the typed Recipe value.
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { debVersionProblem } from "../debian/version.js";
import { quoteInput } from "../util/quote.js";

/** Where a value was written, so relative values can be resolved. */
export interface ConvertContext {
  /** Directory of the recipe file that wrote the value. */
  readonly dir: string;
  /** Directory of the recipe being loaded (the one that `extends` the others). */
  readonly leafDir: string;
}

export interface Format {
  /** ECMAScript pattern the whole value must match (also the JSON schema `pattern`). */
  readonly pattern: string;
  /** A noun phrase for messages and docs: `must be <what>`. */
  readonly what: string;
  /** A further check the pattern cannot express; returns a problem message. */
  readonly check?: (s: string) => string | undefined;
  /** Turns the TOML string into the Recipe value. */
  readonly convert?: (s: string, ctx: ConvertContext) => unknown;
}

/** Schemes a checkout may be fetched from. `file:` without `//` is a path relative to the recipe. */
const VCS_SCHEMES = ["file:", "http:", "https:", "git:", "ssh:", "svn:", "svn+ssh:"];

/** Debian package name (Debian policy 5.6.1). */
const PACKAGE = "[a-z0-9][a-z0-9+.-]+";

/** Checks an apt request's version part with the Debian version grammar. */
function checkAptPackage(s: string): string | undefined {
  const eq = s.indexOf("=");
  if (eq < 0) return undefined;
  const version = s.slice(eq + 1);
  const why = debVersionProblem(version);
  return why ? `${quoteInput(version)} is not a valid Debian version (${why}); e.g. "1:9.2p1-2+deb12u3"` : undefined;
}

/** Splits `name=version` into an AptPackage. */
function convertAptPackage(s: string): unknown {
  const eq = s.indexOf("=");
  return eq < 0 ? { name: s } : { name: s.slice(0, eq), version: s.slice(eq + 1) };
}

/** Refuses URLs that do not parse and URLs that carry credentials (recipes are committed). */
function checkUrl(s: string): string | undefined {
  if (/^file:(?!\/\/)/.test(s)) return undefined; // relative to the recipe; the pattern made sure a path follows
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return `${quoteInput(s)} is not a valid URL`;
  }
  if (!VCS_SCHEMES.includes(url.protocol)) return `scheme ${quoteInput(url.protocol)} is not supported (use ${VCS_SCHEMES.join(", ")})`;
  if (url.password) return "the URL carries a password: recipes are committed; use the VCS's credential store instead";
  return undefined;
}

/** `file:relative/path` → absolute `file:///…` URL, resolved against the recipe that wrote it. */
function convertVcsUrl(s: string, ctx: ConvertContext): unknown {
  const rel = /^file:(?!\/\/)(.*)$/.exec(s);
  if (!rel || rel[1] === undefined) return s;
  const p = rel[1];
  return pathToFileURL(isAbsolute(p) ? p : resolve(ctx.dir, p)).href;
}

/** Checks a mirror URL; "host" is handled by the pattern. */
function checkMirror(s: string): string | undefined {
  if (s === "host") return undefined;
  try {
    new URL(s);
    return undefined;
  } catch {
    return `${quoteInput(s)} is not a valid URL`;
  }
}

export const FORMATS = {
  "image-name": { pattern: "^[a-z0-9][a-z0-9-]*$", what: "an image name: lowercase letters, digits and '-' (e.g. \"cam-node\")" },
  suite: { pattern: "^[a-z][a-z0-9.-]*$", what: 'a Debian suite name (e.g. "bookworm")' },
  component: { pattern: "^[a-z][a-z0-9-]*$", what: 'an archive component (e.g. "main", "non-free-firmware")' },
  mirror: { pattern: "^(host|(https?|file)://\\S+)$", what: '"host" or an http(s):// or file:// mirror URL', check: checkMirror },
  package: { pattern: `^${PACKAGE}$`, what: "a Debian package name (lowercase letters, digits, '+', '-', '.'; at least 2 characters)" },
  "apt-package": {
    pattern: `^${PACKAGE}(=[0-9A-Za-z.+~:-]+)?$`,
    what: 'a Debian package name, optionally pinned as name=version (e.g. "openssh-server" or "less=590-2.1~deb12u2")',
    check: checkAptPackage,
    convert: convertAptPackage,
  },
  "checkout-name": { pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$", what: "a checkout name: letters, digits, '.', '_', '-'" },
  "vcs-url": {
    pattern: "^(file:|https?://|git://|ssh://|svn://|svn\\+ssh://)\\S+$",
    what: "a repository URL (file:, http(s)://, git://, ssh://, svn://, svn+ssh://)",
    check: checkUrl,
    convert: convertVcsUrl,
  },
  "vcs-rev": {
    pattern: "^[A-Za-z0-9._/@{}^~][A-Za-z0-9._/@{}^~-]*$",
    what: "a revision: branch, tag, commit, revision number or \"HEAD\" (not starting with '-')",
  },
  unit: {
    pattern: "^[A-Za-z0-9:_.\\\\@-]+\\.(service|socket|timer|target|path|mount|automount|swap)$",
    what: 'a systemd unit name with its type (e.g. "ssh.service", "serial-getty@ttyS0.service", "fstrim.timer")',
  },
  "toml-file": { pattern: "^[^/].*\\.toml$", what: "path of another .toml recipe, relative to this file" },
} as const satisfies Record<string, Format>;

export type FormatName = keyof typeof FORMATS;

/** The Format of a name (typed as the general interface, so optional members can be read). */
export function formatOf(name: FormatName): Format {
  return FORMATS[name];
}
