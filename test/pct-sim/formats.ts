// Value checks of pct's parameters, with the messages pve-common's PVE::JSONSchema gives
// (pve_verify_vmid, pve_verify_mac_addr, pve_verify_ipv4_config, pve_verify_dns_name, check_prop's
// type/range/enum/pattern errors). A check returns the error text, or undefined when the value is good.
import { isIPv4, isIPv6 } from "node:net";

export type Check = (v: string) => string | undefined;

const fmt = (ok: boolean, msg: string) => (ok ? undefined : `invalid format - ${msg}`);

/** Proxmox vmid: 100..999999999 (the format is checked before the range). */
export const vmid: Check = (v) => fmt(/^[1-9][0-9]{2,8}$/.test(v), "value does not look like a valid VM ID");

/** Unicast MAC: the I/G bit must be clear. */
export const macAddr: Check = (v) => fmt(/^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v), "value does not look like a valid unicast MAC address");

/** IPv4 CIDR with a /8../32 prefix (pve_verify_cidrv4). */
function cidr4(v: string): boolean {
  const m = /^([^/]+)\/(\d+)$/.exec(v);
  return !!m && isIPv4(m[1] as string) && Number(m[2]) > 7 && Number(m[2]) <= 32;
}

/** IPv6 CIDR with a /8../128 prefix (pve_verify_cidrv6). */
function cidr6(v: string): boolean {
  const m = /^([^/]+)\/(\d+)$/.exec(v);
  return !!m && isIPv6(m[1] as string) && Number(m[2]) > 7 && Number(m[2]) <= 128;
}

export const ipv4Config: Check = (v) => fmt(v === "dhcp" || v === "manual" || cidr4(v), "value does not look like a valid ipv4 network configuration");
export const ipv6Config: Check = (v) => fmt(["auto", "dhcp", "manual"].includes(v) || cidr6(v), "value does not look like a valid ipv6 network configuration");
export const ipv4: Check = (v) => fmt(isIPv4(v), "value does not look like a valid IPv4 address");
export const ipv6: Check = (v) => fmt(isIPv6(v), "value does not look like a valid IPv6 address");

/** DNS name, labels of letters, digits and inner dashes (pve_verify_dns_name). */
export const dnsName: Check = (v) =>
  fmt(/^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/.test(v), "value does not look like a valid DNS name");

/** Mount point paths: no "/./", "/../", trailing "/." or "/..", leading "../" (verify_lxc_mp_string). */
export const mpString: Check = (v) => fmt(!/\/\.\.?\//.test(v) && !/\/\.\.?$/.test(v) && !/^\.\.\//.test(v), `${v} contains illegal character sequences`);

/** Disk size: a number with an optional K/M/G/T unit (pve_verify_disk_size). */
export const diskSize: Check = (v) => fmt(/^(\d+(\.\d+)?)([KMGT])?$/.test(v), `value does not look like a valid disk size: ${v}`);

/** A regex pattern the whole value must match. */
export function pattern(re: RegExp): Check {
  return (v) => (new RegExp(`^(?:${re.source})$`).test(v) ? undefined : "value does not match the regex pattern");
}

/** An enumeration. */
export function oneOf(values: readonly string[]): Check {
  return (v) => (values.includes(v) ? undefined : `value '${v}' does not have a value in the enumeration '${values.join(", ")}'`);
}

/** An integer or number range check after the type check (check_prop order: type, format, range). */
export function numeric(type: "integer" | "number", min?: number, max?: number): Check {
  return (v) => {
    const ok = type === "integer" ? /^[+-]?\d+$/.test(v) : /^[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/.test(v);
    if (!ok) return `type check ('${type}') failed - got '${v}'`;
    const n = Number(v);
    if (max !== undefined && n > max) return `value must have a maximum value of ${max}`;
    if (min !== undefined && n < min) return `value must have a minimum value of ${min}`;
    return undefined;
  };
}

/** A string no longer than `max` characters. */
export function maxLength(max: number): Check {
  return (v) => (v.length > max ? `value may only be ${max} characters long` : undefined);
}

/** Perl-style boolean values pct accepts (PVE::JSONSchema::parse_boolean). */
export function parseBoolean(v: string): "1" | "0" | undefined {
  if (/^(1|true|yes|on)$/i.test(v)) return "1";
  if (/^(0|false|no|off)$/i.test(v)) return "0";
  return undefined;
}
