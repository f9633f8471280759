// `kiln check REF|FILE`: resolve a ref (an image in the store or a template file) and check its template.
// A stored image is verified in the same read: the compressed file against the manifest's sha256, the
// uncompressed tar against the image id; a damaged entry fails (exit 1) whatever the rules say.
import { readManifest } from "../store/read.js";
import { resolveRef } from "../store/refs.js";
import { openVerifiedTemplate } from "../store/verify.js";
import { checkTemplate } from "./check.js";
import type { CheckReport } from "./types.js";

/** Checks the template REF names, whether stored or a file the store does not hold. */
export async function checkRef(store: string, ref: string): Promise<CheckReport & { readonly image: string }> {
  const r = await resolveRef(store, ref);
  if (r.kind === "file") return { ...(await checkTemplate(r.path)), image: r.id };
  const v = openVerifiedTemplate(r, await readManifest(store, r.id));
  let report: CheckReport;
  try {
    report = await checkTemplate(r.template, v.chunks);
  } finally {
    await v.finish();
  }
  return { ...report, image: r.id };
}
