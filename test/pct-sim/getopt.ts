// Command-line parsing the way pct does it: PVE::JSONSchema::get_options over Getopt::Long with
// prefix_pattern (--|-), default auto_abbrev (unique prefixes) and ignore_case, permuted positionals,
// booleans taking an optional value (":s"), every other option a mandatory one ("=s"), and "--" ending
// the options. Positional parameters are then mapped in order; "extra-args" takes the rest.
import { paramError } from "./pve-error.js";

export interface OptionSpec {
  readonly type: "boolean" | "string" | "integer" | "number";
}

export interface CommandSpec {
  /** "pct create" */
  readonly prefix: string;
  /** Positional parameters, in order; "extra-args" last if present. */
  readonly args: readonly string[];
  /** Positionals that may be left out. */
  readonly optionalArgs?: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
}

export interface Parsed {
  readonly values: Record<string, string>;
  readonly extra: readonly string[];
}

/** The short usage line pct prints after a parameter error, e.g. "pct create <vmid> <ostemplate> [OPTIONS]". */
export function usageLine(c: CommandSpec): string {
  const args = c.args.map((a) => (c.optionalArgs?.includes(a) || a === "extra-args" ? `[<${a}>]` : `<${a}>`)).join(" ");
  return `${c.prefix}${args ? ` ${args}` : ""}${Object.keys(c.options).length ? " [OPTIONS]" : ""}`;
}

/** Finds an option by exact name or unique prefix, case-insensitively (Getopt::Long auto_abbrev + ignore_case). */
function lookup(c: CommandSpec, given: string): { name?: string; warning?: string } {
  const names = Object.keys(c.options);
  const lower = given.toLowerCase();
  const exact = names.find((n) => n.toLowerCase() === lower);
  if (exact) return { name: exact };
  const partial = names.filter((n) => n.toLowerCase().startsWith(lower)).sort();
  if (partial.length === 1) return { name: partial[0] };
  if (partial.length > 1) return { warning: `Option ${given} is ambiguous (${partial.join(", ")})` };
  return { warning: `Unknown option: ${given}` };
}

/** True for an argument Getopt::Long would read as an option. */
function looksLikeOption(a: string): boolean {
  return /^--?./.test(a) && a !== "--";
}

/** Parses argv (after the command word) into option values and positionals, or throws pct's 400. */
export function getOptions(c: CommandSpec, argv: readonly string[]): Parsed {
  const values: Record<string, string> = {};
  const positional: string[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!looksLikeOption(a)) {
      positional.push(a);
      continue;
    }
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const given = eq < 0 ? body : body.slice(0, eq);
    const found = lookup(c, given);
    if (!found.name) {
      warnings.push(found.warning as string);
      continue;
    }
    const spec = c.options[found.name] as OptionSpec;
    if (eq >= 0) values[found.name] = body.slice(eq + 1);
    else if (spec.type === "boolean") {
      // ":s": takes the next argument only when it does not look like an option.
      const next = argv[i + 1];
      if (next !== undefined && !looksLikeOption(next) && next !== "--") {
        values[found.name] = next;
        i++;
      } else values[found.name] = "";
    } else if (i + 1 < argv.length) {
      // "=s": the next argument is the value even when it starts with a dash.
      values[found.name] = argv[++i] as string;
    } else warnings.push(`Option ${given} requires an argument`);
  }
  if (warnings.length) throw paramError({ msg: "unable to parse option", usage: usageLine(c), warnings });
  return { values, extra: mapPositionals(c, positional, values) };
}

/** Assigns positionals to the command's argument names; "extra-args" collects what is left. */
function mapPositionals(c: CommandSpec, positional: string[], values: Record<string, string>): string[] {
  const rest = [...positional];
  for (const name of c.args) {
    if (name === "extra-args") return rest.splice(0);
    const v = rest.shift();
    if (v === undefined) {
      if (!c.optionalArgs?.includes(name)) throw paramError({ msg: "not enough arguments", usage: usageLine(c) });
      continue;
    }
    values[name] = v;
  }
  if (rest.length) throw paramError({ msg: "too many arguments", usage: usageLine(c) });
  return [];
}
