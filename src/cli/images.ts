// `kiln images`: the images in the store, newest first.
import { loadConfig } from "../config.js";
import type { GlobalOptions } from "./options.js";
import { listImages } from "../store/index.js";
import { emit } from "./output.js";
import { humanSize, shortId, table } from "../util/format.js";

/** Lists the store's images as a table (or JSON). */
export async function images(o: GlobalOptions & { readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const list = await listImages(store);
  emit(o.json, list, (l) =>
    l.length === 0
      ? `no images in ${store} (kiln pack or kiln bake adds some)`
      : table(
          ["IMAGE", "NAME", "VERSION", "TAGS", "SIZE"],
          l.map((i) => [shortId(i.id), i.name, i.version, i.tags.join(",") || "-", humanSize(i.size)]),
        ),
  );
}
