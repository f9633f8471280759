// `kiln oci REF --out PATH` and `kiln export REF… -o bundle.tar`: stored images as an OCI layout or archive.
import { loadConfig } from "../config.js";
import { UserError } from "../errors.js";
import type { GlobalOptions } from "./options.js";
import { writeOci, type OciFormat, type WriteOciResult } from "../oci/write.js";
import type { LayerCompression } from "../oci/media-types.js";
import { quoteInput } from "../util/quote.js";
import { emit } from "./output.js";

export interface OciOptions extends GlobalOptions {
  readonly out: string;
  readonly format?: string;
  readonly compression?: string;
  readonly json?: boolean;
}

/** Checks a flag value against its choices. */
function choice<T extends string>(key: string, value: string | undefined, choices: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UserError({ key, message: `${quoteInput(value)} is not one of ${choices.join(", ")}` });
}

/** What a person reads after writing. */
function human(r: WriteOciResult): string {
  const lines = r.images.map((i) => `${i.id}  manifest ${i.manifest}  ref ${i.refNames.join(", ")}  (${i.referrers} referrers)`);
  return [...lines, `wrote ${r.format === "archive" ? "oci-archive" : "OCI layout"} ${r.out}${r.sha256 ? ` (sha256 ${r.sha256})` : ""}`].join("\n");
}

/** `kiln oci REF`: one image. */
export async function oci(ref: string, o: OciOptions): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const format = choice<OciFormat>("--format", o.format, ["layout", "archive"], "layout");
  const compression = choice<LayerCompression>("--compression", o.compression, ["gzip", "zstd"], "gzip");
  emit(o.json, await writeOci(store, [ref], { out: o.out, format, compression }), human);
}

/** `kiln export REF…`: an air-gapped bundle (an oci-archive holding every image and its attestations). */
export async function exportBundle(refs: readonly string[], o: OciOptions): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  // By default each template travels as stored, byte for byte, so its signatures still hold at the site.
  const compression = o.compression === undefined ? undefined : choice<LayerCompression>("--compression", o.compression, ["gzip", "zstd"], "zstd");
  emit(o.json, await writeOci(store, refs, { out: o.out, format: "archive", compression }), human);
}
