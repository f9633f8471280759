// Parameter checking after parsing, as PVE::JSONSchema does it: booleans normalised (get_options), then
// every value checked and all errors reported at once ("400 Parameter verification failed.").
import { parseBoolean } from "./formats.js";
import { getOptions, usageLine, type CommandSpec } from "./getopt.js";
import { die, paramError } from "./pve-error.js";
import { parsePropertyString } from "./property-string.js";
import { VMID, type Prop } from "./schema.js";

export interface Command extends CommandSpec {
  readonly options: Readonly<Record<string, Prop>>;
}

export interface Params {
  readonly values: Readonly<Record<string, string>>;
  readonly extra: readonly string[];
  /** Parsed property strings (netN, mpN, rootfs), by option name. */
  readonly parsed: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Parses and checks a command's arguments; throws pct's error for anything pct would refuse. */
export function parseParams(c: Command, argv: readonly string[]): Params {
  const { values, extra } = getOptions(c, argv);
  const usage = usageLine(c);
  for (const [k, v] of Object.entries(values)) {
    if (c.options[k]?.type !== "boolean") continue;
    const b = v === "" ? "1" : parseBoolean(v);
    if (!b) throw paramError({ msg: "unable to parse boolean option", usage });
    values[k] = b;
  }
  const errors: Record<string, string> = {};
  const parsed: Record<string, Record<string, string>> = {};
  if (values.vmid !== undefined) {
    const e = VMID.check?.(values.vmid);
    if (e) errors.vmid = e;
  }
  for (const [k, v] of Object.entries(values)) {
    const p = c.options[k];
    if (!p) continue;
    if (p.format) {
      const r = parsePropertyString(p.format, v, k);
      if (r.ok) parsed[k] = r.value;
      else Object.assign(errors, r.errors);
    } else {
      const e = p.check?.(v);
      if (e) errors[k] = e;
    }
  }
  if (Object.keys(errors).length) throw paramError({ msg: "Parameter verification failed.", errors, usage });
  return { values, extra, parsed };
}

/** Refuses options that are valid pct syntax but whose effect the simulator does not reproduce. */
export function refuseUnsimulated(c: Command, p: Params): void {
  for (const k of Object.keys(p.values)) {
    const prop = c.options[k];
    if (prop && !prop.simulated) throw die(`pct-sim: --${k} is valid pct syntax, but this simulator does not reproduce it`);
  }
}
