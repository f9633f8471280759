// `kiln pack DIR --name N --version V`: adopt a rootfs directory as an image in the store.
import { loadConfig } from "../config.js";
import { UserError } from "../errors.js";
import type { GlobalOptions } from "./options.js";
import { packDirectory } from "../store/index.js";
import { ensureProvenance } from "../trust/provenance.js";
import { emit } from "./output.js";

export interface PackCliOptions extends GlobalOptions {
  readonly name: string;
  readonly version: string;
  readonly arch?: string;
  readonly ostype?: string;
  readonly epoch?: string;
  readonly json?: boolean;
}

/** The epoch: --epoch, else $SOURCE_DATE_EPOCH, else undefined (newest mtime in the tree). */
function epochOf(flag: string | undefined): number | undefined {
  const [value, from] = flag !== undefined ? [flag, "--epoch"] : [process.env.SOURCE_DATE_EPOCH, "SOURCE_DATE_EPOCH"];
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value)) throw new UserError({ key: from, message: `'${value}' is not a whole number of seconds since 1970` });
  return Number(value);
}

/** Packs DIR and prints {image, template, manifest}. */
export async function pack(dir: string, o: PackCliOptions): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const r = await packDirectory(store, { dir, name: o.name, version: o.version, arch: o.arch, ostype: o.ostype, epoch: epochOf(o.epoch) });
  // A packed image's statement: subjects and builder; no lock, so no resolved dependencies.
  await ensureProvenance(store, r.manifest, null);
  const out = { image: r.manifest.image, template: r.image.template, manifest: r.image.manifest };
  emit(o.json, out, (v) => `${r.existed ? "already in the store" : "packed"}: ${v.image}\ntemplate: ${v.template}`);
}
