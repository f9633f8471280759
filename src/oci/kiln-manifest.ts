// The kiln manifest travelling in a bundle, rebuilt field by field: every value is type-checked and
// only known keys are kept, so what enters the store is a manifest kiln itself could have written.
import type { Manifest, ManifestCheckout, ManifestDeb, ManifestPython } from "../store/types.js";
import type { VerifySection } from "../recipe/types.js";
import { quoteValue } from "../util/quote.js";
import { bad } from "./extract.js";

/** Type checks with the bundle and a path in every message. */
class Reader {
  constructor(
    private readonly file: string,
    private readonly where: string,
  ) {}

  fail(key: string, what: string, v: unknown): never {
    throw bad(this.file, `${this.where}.${key}: expected ${what}, got ${quoteValue(v)}`);
  }
  obj(v: unknown, key: string): Record<string, unknown> {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(key, "an object", v);
    return v as Record<string, unknown>;
  }
  str(o: Record<string, unknown>, key: string): string {
    const v = o[key];
    if (typeof v !== "string") this.fail(key, "a string", v);
    return v as string;
  }
  int(o: Record<string, unknown>, key: string): number {
    const v = o[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) this.fail(key, "a whole number", v);
    return v as number;
  }
  strOrNull(o: Record<string, unknown>, key: string): string | null {
    return o[key] === null ? null : this.str(o, key);
  }
  list<T>(o: Record<string, unknown>, key: string, each: (x: Record<string, unknown>, k: string) => T): T[] {
    const v = o[key];
    if (!Array.isArray(v)) this.fail(key, "an array", v);
    return (v as unknown[]).map((x, i) => each(this.obj(x, `${key}[${i}]`), `${key}[${i}]`));
  }
}

/** The [verify] section, checked. */
function verifyOf(r: Reader, v: unknown): VerifySection | null {
  if (v === null) return null;
  const o = r.obj(v, "verify");
  const strings = (x: unknown, key: string): string[] => {
    if (!Array.isArray(x) || x.some((s) => typeof s !== "string")) r.fail(key, "an array of strings", x);
    return x as string[];
  };
  const commands = o["commands"];
  if (!Array.isArray(commands)) r.fail("verify.commands", "an array", commands);
  return {
    allowDegraded: strings(o["allowDegraded"], "verify.allowDegraded"),
    commands: (commands as unknown[]).map((c, i) => strings(c, `verify.commands[${i}]`)),
    timeout: r.int(o, "timeout"),
  };
}

/** Rebuilds a kiln manifest from untrusted JSON (names and paths are checked afterwards by manifestProblems). */
export function kilnManifestFrom(v: unknown, file: string, where: string): Manifest {
  const r = new Reader(file, where);
  const o = r.obj(v, "");
  if (o["manifestVersion"] !== 1) r.fail("manifestVersion", "1", o["manifestVersion"]);
  const t = r.obj(o["template"], "template");
  const compression = r.str(t, "compression");
  if (compression !== "zstd" && compression !== "gzip") r.fail("template.compression", "zstd or gzip", compression);
  const origin = r.str(o, "origin");
  if (origin !== "bake" && origin !== "pack") r.fail("origin", "bake or pack", origin);
  const recipe = o["recipe"] === null ? null : r.obj(o["recipe"], "recipe");
  const deb = (x: Record<string, unknown>): ManifestDeb => ({ name: r.str(x, "name"), version: r.str(x, "version"), arch: r.str(x, "arch") });
  const py = (x: Record<string, unknown>): ManifestPython => ({ name: r.str(x, "name"), version: r.str(x, "version") });
  const co = (x: Record<string, unknown>, k: string): ManifestCheckout => {
    const kind = r.str(x, "kind");
    if (kind !== "git" && kind !== "svn") r.fail(`${k}.kind`, "git or svn", kind);
    return { name: r.str(x, "name"), kind: kind as "git" | "svn", url: r.str(x, "url"), revision: r.str(x, "revision"), dest: r.str(x, "dest") };
  };
  return {
    manifestVersion: 1,
    image: r.str(o, "image"),
    name: r.str(o, "name"),
    version: r.str(o, "version"),
    arch: r.str(o, "arch"),
    ostype: r.str(o, "ostype"),
    template: { file: r.str(t, "file"), sha256: r.str(t, "sha256"), size: r.int(t, "size"), compression: compression as "zstd" | "gzip" },
    tarSize: r.int(o, "tarSize"),
    entries: r.int(o, "entries"),
    inputs: r.strOrNull(o, "inputs"),
    kilnVersion: r.str(o, "kilnVersion"),
    sourceDateEpoch: r.int(o, "sourceDateEpoch"),
    origin: origin as "bake" | "pack",
    recipe: recipe ? { name: r.str(recipe, "name"), sha256: r.str(recipe, "sha256") } : null,
    lockSha256: r.strOrNull(o, "lockSha256"),
    debs: r.list(o, "debs", deb),
    python: r.list(o, "python", py),
    checkouts: r.list(o, "checkouts", co),
    verify: verifyOf(r, o["verify"]),
  };
}
