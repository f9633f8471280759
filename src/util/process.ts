// Is the process that owns a lock or a temp entry still there? A pid alone can be reused after a
// kill -9 and a reboot or a busy day, so an owner is named by its pid AND its start time (field 22 of
// /proc/PID/stat, clock ticks since boot): a live process with another start time is someone else.
import { readFileSync } from "node:fs";
import { errnoCode } from "./thrown.js";

/** True while process `pid` exists (signal 0 only checks; EPERM means it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === "EPERM";
  }
}

/** The start time of `pid` (decimal clock ticks since boot), or undefined when it cannot be read. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or ')': split after the last.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const start = fields[19]; // field 22 overall; fields[0] is field 3 (state)
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

/** An owner: a pid and, when known, its start time. */
export interface Owner {
  readonly pid: number;
  readonly start?: string;
}

/** This process as an owner token `<pid>.<start>` for temp names ("0" when /proc is not readable). */
export function ownerToken(): string {
  return `${process.pid}.${processStartTime(process.pid) ?? "0"}`;
}

/** True while the owner runs: its pid exists and (when both are known) has the same start time. */
export function ownerAlive(o: Owner): boolean {
  if (o.pid === process.pid) return true;
  if (!pidAlive(o.pid)) return false;
  if (o.start === undefined || o.start === "0") return true;
  const now = processStartTime(o.pid);
  return now === undefined || now === o.start;
}
