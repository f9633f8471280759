// `kiln pack DIR --name N --version V`: adopt a rootfs directory as an image in the store.
// The tree's listing (one find and one getfattr run, which only read) starts before the rest of kiln is
// loaded, so the two walk the tree while the modules load: no byte can be packed before it is complete.
import { diskSource } from "../archive/disk.js";
import { UserError } from "../errors.js";
import type { GlobalOptions } from "./options.js";
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
  const source = diskSource(dir);
  // Started now, awaited by packDirectory once it has validated everything (it reports a bad DIR itself).
  source.entries().catch(() => undefined);
  const [{ loadConfig }, { packDirectory }, { ensureProvenance }] = await Promise.all([
    import("../config.js"),
    import("../store/pack-dir.js"),
    import("../trust/provenance.js"),
  ]);
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const opts = { dir, name: o.name, version: o.version, arch: o.arch, ostype: o.ostype, epoch: epochOf(o.epoch), source };
  const r = await packDirectory(store, opts);
  // A packed image's statement: subjects and builder; no lock, so no resolved dependencies.
  await ensureProvenance(store, r.manifest, null);
  const out = { image: r.manifest.image, template: r.image.template, manifest: r.image.manifest };
  emit(o.json, out, (v) => `${r.existed ? "already in the store" : "packed"}: ${v.image}\ntemplate: ${v.template}`);
}
