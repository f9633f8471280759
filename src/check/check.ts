// `kiln check`: Proxmox's template rules over one streamed read of a template.
import { stat } from "node:fs/promises";
import { KilnError, UserError } from "../errors.js";
import { collectFacts } from "./scan.js";
import { extensionRule, membersRule, sbinRule } from "./rules/format.js";
import { archNameRule, archRule, ifupdownRule, osReleaseOf, osReleaseRule, shArch } from "./rules/os.js";
import { hostKeysRule, machineIdRule, privateKeysRule } from "./rules/secrets.js";
import { devicesRule, duplicatesRule, hardLinksRule, namesRule, symlinkParentsRule } from "./rules/safety.js";
import type { ArchiveFacts, CheckFailure, CheckReport, Rule } from "./types.js";
import { messageOf } from "../util/thrown.js";

/** Every rule, in the order failures are reported. */
export const RULES: readonly Rule[] = [
  extensionRule,
  membersRule,
  sbinRule,
  osReleaseRule,
  archRule,
  archNameRule,
  ifupdownRule,
  hostKeysRule,
  machineIdRule,
  privateKeysRule,
  namesRule,
  hardLinksRule,
  symlinkParentsRule,
  duplicatesRule,
  devicesRule,
];

/** Applies every rule to collected facts (pure: the unit tests drive this with facts from memory trees). */
export function applyRules(facts: ArchiveFacts): CheckReport {
  const failures: CheckFailure[] = RULES.flatMap((rule) => rule(facts));
  return {
    ok: failures.length === 0,
    template: facts.file,
    arch: shArch(facts).arch ?? null,
    osId: osReleaseOf(facts)?.ID ?? null,
    members: facts.members.length,
    failures,
  };
}

/**
 * Checks a template file (read from `tar`, its uncompressed stream, when given). An unreadable archive
 * is a failed check, not a crash; a missing file is bad input.
 */
export async function checkTemplate(file: string, tar?: AsyncIterable<Buffer>): Promise<CheckReport> {
  try {
    if (!(await stat(file)).isFile()) throw new Error("not a regular file");
  } catch (e) {
    throw new UserError({ file, message: `cannot check: ${messageOf(e)}; give a template file or an image reference` });
  }
  let facts: ArchiveFacts;
  try {
    facts = await collectFacts(file, tar);
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    const failure = { rule: "readable", path: file, message: `cannot read the archive (kiln reads .tar.zst, .tar.gz and plain .tar): ${e.message}` };
    return { ok: false, template: file, arch: null, osId: null, members: 0, failures: [failure] };
  }
  return applyRules(facts);
}
