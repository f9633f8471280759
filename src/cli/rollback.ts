// `kiln rollback --inventory INV [--to REF] [--nodes a,b] [--dry-run] [--json]`.
import { loadConfig } from "../config.js";
import { runDeploy } from "../deploy/deploy.js";
import type { GlobalOptions } from "./options.js";
import { failIfNotOk, humanResult, printPlan } from "./deploy-output.js";
import { emit } from "./output.js";

export interface RollbackOptions extends GlobalOptions {
  readonly inventory: string;
  readonly to?: string;
  readonly nodes?: readonly string[];
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/** Returns each node to the image it ran before (a flip when its stopped slot holds it), or to --to REF. */
export async function rollback(o: RollbackOptions): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const report = await runDeploy(
    { mode: "rollback", inventory: o.inventory, store, to: o.to, nodes: o.nodes, dryRun: o.dryRun },
    { onPlan: o.json ? undefined : printPlan },
  );
  emit(o.json, report, humanResult);
  failIfNotOk(report);
}
