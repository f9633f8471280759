// Rules that tie sections together, checked on the merged chain (so a parent's [python] counts for a
// child's checkout) and reported where the offending value was written.
import type { Problem } from "../errors.js";
import { isTable } from "../toml-schema/values.js";
import { problemAt } from "../toml-schema/document.js";
import type { Located, Merged } from "./merge.js";
import { quoteInput } from "../util/quote.js";

/** Every cross-section problem of a merged recipe. */
export function crossCheck(m: Merged): Problem[] {
  return [...pipNeedsPython(m), ...enabledAndDisabled(m), ...overlappingCheckouts(m)];
}

/** A string field of an [[entry]], if it is a valid string. */
function str(e: Located, key: string): string | undefined {
  const v = isTable(e.value) ? e.value[key] : undefined;
  return typeof v === "string" ? v : undefined;
}

/** `install = "pip"` installs into the venv, so some file in the chain must have [python]. */
function pipNeedsPython(m: Merged): Problem[] {
  if (m.sections.has("python")) return [];
  return (m.lists.get("checkout") ?? [])
    .filter((e) => str(e, "install") === "pip")
    .map((e) => problemAt(e.layer, `${e.key}.install`, 'install = "pip" needs a [python] section with the venv to install into (or use install = "none")'));
}

/** A unit cannot be both enabled and disabled. */
function enabledAndDisabled(m: Merged): Problem[] {
  const enabled = new Map((m.lists.get("services.enable") ?? []).map((e) => [e.value, e] as const));
  return (m.lists.get("services.disable") ?? []).flatMap((d) => {
    const en = enabled.get(d.value);
    if (!en) return [];
    const line = en.layer.locate(en.key);
    return [problemAt(d.layer, d.key, `${quoteInput(d.value)} is also enabled (${en.key}${line ? ` on line ${line}` : ""}): keep it in one list`)];
  });
}

/** Two checkouts may not share a destination, nor may one be placed inside another. */
function overlappingCheckouts(m: Merged): Problem[] {
  const all = (m.lists.get("checkout") ?? []).flatMap((e) => {
    const dest = str(e, "dest");
    return dest ? [{ e, dest }] : [];
  });
  return all.flatMap(({ e, dest }, n) => {
    const other = all.slice(0, n).find((o) => o.dest === dest || dest.startsWith(`${o.dest}/`) || o.dest.startsWith(`${dest}/`));
    return other
      ? [
          problemAt(
            e.layer,
            `${e.key}.dest`,
            `${quoteInput(dest)} overlaps checkout ${quoteInput(str(other.e, "name"))} at ${quoteInput(other.dest)}: give each checkout its own directory`,
          ),
        ]
      : [];
  });
}
