// `kiln store verify [REF…]` (alias `kiln fsck`): re-verify store entries; exit 1 if any is damaged.
import { loadConfig } from "../config.js";
import { CheckFailed } from "../errors.js";
import type { GlobalOptions } from "./options.js";
import { DAMAGE_FIX, verifyStore, type EntryVerdict } from "../store/index.js";
import { emit } from "./output.js";

/** One line per damaged entry, then a count. */
function human(verdicts: readonly EntryVerdict[]): string {
  const bad = verdicts.filter((v) => !v.ok);
  return [...bad.map((v) => `damaged ${v.id}: ${v.problems.join("; ")}`), `${verdicts.length} verified, ${bad.length} damaged`].join("\n");
}

/** Verifies the entries REFs name (all without REFs); fails with exit 1 when one is damaged. */
export async function storeVerify(refs: readonly string[], o: GlobalOptions & { readonly json?: boolean }): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const verdicts = await verifyStore(store, refs);
  emit(o.json, verdicts, human);
  const bad = verdicts.filter((v) => !v.ok).length;
  if (bad) throw new CheckFailed(`${bad} damaged store entr${bad === 1 ? "y" : "ies"}: ${DAMAGE_FIX}`);
}
