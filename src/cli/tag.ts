// `kiln tag REF NAME`: name an image (moving the tag if it exists).
import { loadConfig } from "../config.js";
import type { GlobalOptions } from "./options.js";
import { tagImage } from "../store/index.js";
import { emit } from "./output.js";

/** Points tag NAME at the image REF names. */
export async function tag(ref: string, name: string, o: GlobalOptions & { readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const r = await tagImage(store, ref, name);
  emit(o.json, r, (v) => `${v.tag} → ${v.image}`);
}
