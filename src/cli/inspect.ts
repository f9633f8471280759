// `kiln inspect REF`: an image's summary, or its manifest as JSON.
import { loadConfig } from "../config.js";
import type { GlobalOptions } from "./options.js";
import { inspectImage, type Inspection } from "../store/index.js";
import { signatureLines } from "../trust/describe.js";
import { emit } from "./output.js";
import { humanSize } from "../util/format.js";

/** A few lines a person reads: identity, template, provenance, contents. */
function human(i: Inspection): string {
  const m = i.manifest;
  const lines = [
    `image:     ${m.image}`,
    `name:      ${m.name} ${m.version} (${m.arch}, ${m.ostype})`,
    `tags:      ${i.tags.join(", ") || "-"}`,
    `template:  ${i.image.template} (${humanSize(m.template.size)}, ${m.template.compression})`,
    `origin:    ${m.origin}${m.inputs ? `, inputs ${m.inputs}` : ""}${m.recipe ? `, recipe ${m.recipe.name}` : ""}`,
    `epoch:     ${m.sourceDateEpoch} (${new Date(m.sourceDateEpoch * 1000).toISOString()})`,
    `contents:  ${m.entries} entries, ${m.debs.length} debs, ${m.python.length} Python packages, ${m.checkouts.length} checkouts`,
    ...m.checkouts.map((c) => `  checkout ${c.name}: ${c.kind} ${c.url} @ ${c.revision} → ${c.dest}`),
    `manifest:  ${i.image.manifest}`,
    `sbom:      ${i.image.sbom}`,
  ];
  return lines.join("\n");
}

/** Shows the image REF names (with who signed it); --json prints its manifest. */
export async function inspect(ref: string, o: GlobalOptions & { readonly json?: boolean; readonly allowedSigners?: string }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const i = await inspectImage(store, ref);
  if (o.json) return emit(true, i.manifest, () => "");
  const signed = await signatureLines(store, i.image, o.allowedSigners);
  emit(false, i, (v) => [human(v), ...signed].join("\n"));
}
