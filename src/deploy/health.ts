// The health gate: a started container must reach systemd state "running" (or "degraded" with only
// allowed units failed), then pass every [verify] command, all within verify.timeout. Used by deploy
// (a failed gate reverts the node) and by `kiln verify` (a failed gate is exit 1).
import type { VerifySection } from "../recipe/types.js";
import type { HostDriver } from "./types.js";

/** One [verify] command's outcome. */
export interface CheckResult {
  readonly argv: readonly string[];
  readonly ok: boolean;
  readonly exitCode: number;
  /** Tail of stdout+stderr. */
  readonly output: string;
  readonly ms: number;
}

export interface GateResult {
  readonly ok: boolean;
  /** Last state `systemctl is-system-running` printed ("running", "degraded", …; "unreachable" if never answered). */
  readonly systemd: string;
  readonly failedUnits: readonly string[];
  readonly checks: readonly CheckResult[];
  /** Why the gate failed. */
  readonly message?: string;
  readonly ms: number;
}

export interface GateOptions {
  readonly driver: Pick<HostDriver, "exec">;
  readonly vmid: number;
  readonly verify: VerifySection;
  /** Stop at the first failed command (deploy: revert sooner) or run them all (verify: report each). */
  readonly stopOnFailure?: boolean;
  /** Wait between attempts while the container's init is not answering yet. */
  readonly pollMs?: number;
  readonly now?: () => number;
}

/** What a gate uses when an image has no [verify] section (images adopted with `kiln pack`). */
export const DEFAULT_VERIFY: VerifySection = { allowDegraded: [], commands: [], timeout: 120 };

/** States after which waiting longer cannot help. */
const FINAL = new Set(["running", "degraded", "maintenance", "stopping"]);

/** Last lines of a command's output, for messages. */
function tailOf(text: string, lines = 5): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Runs the gate on container `vmid`. Never throws for a failing container; the result says why. */
export async function healthGate(o: GateOptions): Promise<GateResult> {
  const now = o.now ?? Date.now;
  const t0 = now();
  const deadline = t0 + o.verify.timeout * 1000;
  const left = () => Math.max(1, deadline - now());
  const fail = (systemd: string, message: string, extra: Partial<GateResult> = {}): GateResult => ({
    ok: false,
    systemd,
    failedUnits: [],
    checks: [],
    message,
    ms: now() - t0,
    ...extra,
  });

  const systemd = await waitForSystemd(o, left, () => now() < deadline);
  if (!FINAL.has(systemd)) return fail(systemd, `systemd did not finish booting within ${o.verify.timeout}s (last state: ${systemd})`);
  let failedUnits: readonly string[] = [];
  if (systemd === "degraded") {
    failedUnits = await listFailed(o, left());
    const bad = failedUnits.filter((u) => !o.verify.allowDegraded.includes(u));
    if (bad.length || failedUnits.length === 0)
      return fail(
        systemd,
        `systemd is degraded: failed unit${bad.length === 1 ? "" : "s"} ${bad.join(", ") || "(could not list them)"} (not in [verify].allow_degraded)`,
        { failedUnits },
      );
  } else if (systemd !== "running") return fail(systemd, `systemd is ${systemd}, not running`);

  const checks: CheckResult[] = [];
  for (const argv of o.verify.commands) {
    if (now() >= deadline) {
      checks.push({ argv, ok: false, exitCode: -1, output: "not run: verify.timeout reached", ms: 0 });
      if (o.stopOnFailure) break;
      continue;
    }
    const c = await runCheck(o, argv, left());
    checks.push(c);
    if (!c.ok && o.stopOnFailure) break;
  }
  const failed = checks.filter((c) => !c.ok);
  if (failed.length)
    return {
      ok: false,
      systemd,
      failedUnits,
      checks,
      message: `${failed.length} verify command${failed.length === 1 ? "" : "s"} failed: ${failed.map((c) => `${c.argv.join(" ")} (exit ${c.exitCode})`).join("; ")}`,
      ms: now() - t0,
    };
  return { ok: true, systemd, failedUnits, checks, ms: now() - t0 };
}

/** systemd's overall state ("running", "degraded", …); `wait`: block until boot is over (the health gate), else answer now (status). */
export function systemdStateArgv(o: { readonly wait: boolean }): string[] {
  return ["systemctl", "is-system-running", ...(o.wait ? ["--wait"] : [])];
}

/** Asks systemd for its state until it has one of the final ones or time runs out (init may not answer at first). */
async function waitForSystemd(o: GateOptions, left: () => number, inTime: () => boolean): Promise<string> {
  let state = "unreachable";
  while (inTime()) {
    try {
      // --wait blocks until boot is over; it prints the state and exits non-zero unless "running".
      const r = await o.driver.exec(o.vmid, systemdStateArgv({ wait: true }), { timeoutMs: left() });
      state = r.stdout.trim().split("\n").pop() || "unknown";
      if (FINAL.has(state)) return state;
    } catch {
      // The container's init may not accept an attach yet; keep asking until the deadline.
    }
    await new Promise((res) => setTimeout(res, Math.min(o.pollMs ?? 250, left())));
  }
  return state;
}

/** The failed units' names. */
async function listFailed(o: GateOptions, timeoutMs: number): Promise<string[]> {
  try {
    const r = await o.driver.exec(o.vmid, ["systemctl", "list-units", "--state=failed", "--no-legend", "--plain", "--no-pager"], { timeoutMs });
    return r.stdout
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[0] ?? "")
      .filter((u) => u !== "");
  } catch {
    return [];
  }
}

/** Runs one [verify] command inside the container. */
async function runCheck(o: GateOptions, argv: readonly string[], timeoutMs: number): Promise<CheckResult> {
  const t0 = (o.now ?? Date.now)();
  try {
    const r = await o.driver.exec(o.vmid, argv, { timeoutMs });
    return { argv, ok: r.exitCode === 0, exitCode: r.exitCode, output: tailOf(`${r.stdout}${r.stderr}`), ms: (o.now ?? Date.now)() - t0 };
  } catch (e) {
    return { argv, ok: false, exitCode: -1, output: tailOf((e as Error).message), ms: (o.now ?? Date.now)() - t0 };
  }
}
