// `kiln diff A B`: what changed from image A to image B.
import { loadConfig } from "../config.js";
import type { GlobalOptions } from "./options.js";
import { diffRefs, type ImageDiff } from "../store/index.js";
import { emit } from "./output.js";

const ARROW: Readonly<Record<string, string>> = { upgrade: "↑", downgrade: "↓", changed: "~" };

/** One section of package changes as "+ name version" / "- name version" / "↑ name a → b" lines. */
function packages(title: string, d: ImageDiff["debs"]): string[] {
  const lines = [
    ...d.added.map((p) => `  + ${p.name} ${p.version}`),
    ...d.removed.map((p) => `  - ${p.name} ${p.version}`),
    ...d.changed.map((c) => `  ${ARROW[c.direction]} ${c.name} ${c.from} → ${c.to}`),
  ];
  return lines.length ? [`${title}:`, ...lines] : [];
}

/** The diff as text a person reads; empty sections are left out. */
function human(d: ImageDiff): string {
  const c = d.checkouts;
  const f = d.files;
  const checkouts = [
    ...c.added.map((n) => `  + ${n}`),
    ...c.removed.map((n) => `  - ${n}`),
    ...c.changed.map((x) => `  ~ ${x.name} ${x.from} → ${x.to} (${x.fields.join(", ")})`),
  ];
  const files = [...f.added.map((p) => `  + /${p}`), ...f.removed.map((p) => `  - /${p}`), ...f.changed.map((x) => `  ~ /${x.path} (${x.fields.join(", ")})`)];
  const body = [
    ...packages("debs", d.debs),
    ...packages("python", d.python),
    ...(checkouts.length ? ["checkouts:", ...checkouts] : []),
    ...(files.length ? ["files:", ...files] : []),
  ];
  return [`${d.from} → ${d.to}`, ...(body.length ? body : ["no differences"])].join("\n");
}

/** Compares images A and B. */
export async function diff(a: string, b: string, o: GlobalOptions & { readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  emit(o.json, await diffRefs(store, a, b), human);
}
