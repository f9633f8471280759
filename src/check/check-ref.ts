// `kiln check REF|FILE`: resolve a ref (an image in the store or a template file) and check its template.
import { resolveRef } from "../store/refs.js";
import { checkTemplate } from "./check.js";
import type { CheckReport } from "./types.js";

/** Checks the template REF names, whether stored or a file the store does not hold. */
export async function checkRef(store: string, ref: string): Promise<CheckReport & { readonly image: string }> {
  const r = await resolveRef(store, ref);
  const report = await checkTemplate(r.kind === "file" ? r.path : r.template);
  return { ...report, image: r.id };
}
