// `kiln deploy REF --inventory INV [--nodes a,b] [--dry-run] [--all-or-nothing] [--resume] [--json]`.
import { existsSync } from "node:fs";
import { loadConfig } from "../config.js";
import { parseRegistryRef, type RegistryRef } from "../oci/registry/reference.js";
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

/**
 * A REF that parses as a registry reference (HOST/REPO:TAG or @sha256:…) and is not a file here is pulled
 * into the store first (verified completely, TLS CA from KILN_REGISTRY_CA); the deploy then names the
 * pulled image by id, so the inventory's [trust] applies to it as to any stored image.
 */
async function pulledRef(store: string, ref: string | undefined): Promise<string | undefined> {
  if (ref === undefined || !ref.includes("/") || existsSync(ref)) return ref;
  let target: RegistryRef;
  try {
    target = parseRegistryRef(ref, "REF");
  } catch {
    return ref; // not a registry reference: resolved (and refused) as a stored REF
  }
  if (target.tag === undefined && target.digest === undefined) return ref;
  const { pull } = await import("../oci/registry/pull.js");
  const caFile = process.env["KILN_REGISTRY_CA"] || undefined;
  const r = await pull(store, target, caFile !== undefined ? { caFile } : {});
  return (r.images[0] as { id: string }).id;
}

/** Plans, prints the plan, and (unless --dry-run) swaps the nodes to REF; --resume finishes a cut-short deploy. */
export async function deploy(ref: string | undefined, o: DeployOptions): Promise<void> {
  if (o.resume && ref) throw new UserError("--resume finishes the unfinished deploy recorded in the journal: give no REF");
  if (!o.resume && !ref) throw new UserError("give the image to deploy: kiln deploy REF --inventory INV (or --resume)");
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const image = await pulledRef(store, ref);
  const report = await runDeploy(
    { mode: o.resume ? "resume" : "deploy", inventory: o.inventory, store, ref: image, nodes: o.nodes, dryRun: o.dryRun, allOrNothing: o.allOrNothing },
    { onPlan: o.json ? undefined : printPlan },
  );
  emit(o.json, report, humanResult);
  failIfNotOk(report);
}
