// `kiln deploy REF --inventory INV [--nodes a,b] [--dry-run] [--all-or-nothing] [--resume] [--json]`.
import { loadConfig } from "../config.js";
import { runDeploy } from "../deploy/deploy.js";
import { UserError } from "../errors.js";
import type { GlobalOptions } from "./options.js";
import { failIfNotOk, humanResult, printPlan } from "./deploy-output.js";
import { emit } from "./output.js";

export interface DeployOptions extends GlobalOptions {
  readonly inventory: string;
  readonly nodes?: readonly string[];
  readonly dryRun?: boolean;
  readonly allOrNothing?: boolean;
  readonly resume?: boolean;
  readonly json?: boolean;
}

/** Plans, prints the plan, and (unless --dry-run) swaps the nodes to REF; --resume finishes a cut-short deploy. */
export async function deploy(ref: string | undefined, o: DeployOptions): Promise<void> {
  if (o.resume && ref) throw new UserError("--resume finishes the unfinished deploy recorded in the journal: give no REF");
  if (!o.resume && !ref) throw new UserError("give the image to deploy: kiln deploy REF --inventory INV (or --resume)");
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const report = await runDeploy(
    { mode: o.resume ? "resume" : "deploy", inventory: o.inventory, store, ref, nodes: o.nodes, dryRun: o.dryRun, allOrNothing: o.allOrNothing },
    { onPlan: o.json ? undefined : printPlan },
  );
  emit(o.json, report, humanResult);
  failIfNotOk(report);
}
