// The boot smoke test: boots a throwaway overlay of the disk (raw or qcow2; it stays pristine) in qemu with
// OVMF or SeaBIOS, on virtio or on the OVA's hardware (AHCI, e1000), watches the serial console until
// systemd reaches multi-user, then asks the device simulator `?watchdog` through the forwarded loopback
// port and expects `!watchdog ok`. Bounded in time; the VM is always killed (in `finally`, and by the
// kernel via PDEATHSIG should kiln itself die); the serial log is kept where the caller says.
import { access, copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ToolError } from "../errors.js";
import { checkTool, deathSignalPrefix, pipedFailure, run, spawnPiped } from "../exec/run.js";
import { secondsSince } from "../log.js";
import { freePort, OVMF_CODE, OVMF_VARS, pickAccel, qemuArgv, SEABIOS, type Accel, type BootFirmware, type BootHw } from "./qemu.js";
import { BOOT_STAGES, type BootStage, type BootTestResult } from "./types.js";

export interface BootTestOptions {
  /** The disk to boot (only read: an overlay takes the writes). */
  readonly disk: string;
  /** Its format (default qcow2): the nightly boots the raw disk while the conversions run. */
  readonly format?: DiskFormat;
  /** Where the serial console log is written (and kept). */
  readonly log: string;
  /** Guest port the simulator listens on (default 7147). */
  readonly guestPort?: number;
  /** Whole test, boot included (default 300 s). */
  readonly timeoutSec?: number;
  /** Disk controller and NIC (default virtio) and firmware (default uefi). */
  readonly hw?: BootHw;
  readonly firmware?: BootFirmware;
}

/** Serial-console lines that mark each boot stage (the last match wins). */
const MARKS: readonly (readonly [BootStage, RegExp])[] = [
  // OVMF's boot manager or the kernel's EFI stub; under SeaBIOS, syslinux's banner (SeaBIOS itself prints to no serial port).
  ["firmware", /BdsDxe|UEFI|EFI stub|SYSLINUX \d/],
  ["kernel", /Linux version \d/],
  // getty's prompt ("<hostname> login: ") may come before systemd's own "Reached target" line, and kernel
  // messages may follow it on the same line.
  ["multi-user", /Reached target .*Multi-User System|^\S+ login: /m],
];

/** Lines that mean the boot cannot succeed, so the test stops early with the reason. */
const FATAL = /Kernel panic|You are in emergency mode|Give root password for maintenance|Cannot open access to console/;

/** The furthest stage the serial log shows. */
export function stageFromLog(log: string): BootStage {
  let stage: BootStage = "started";
  for (const [s, re] of MARKS) if (re.test(log)) stage = s;
  return stage;
}

/** Sends one request line to host:port and resolves the first reply line ("" if the peer closed first). */
export function askLine(o: { readonly port: number; readonly request: string; readonly timeoutMs: number }): Promise<string> {
  return new Promise((done) => {
    const sock = connect({ host: "127.0.0.1", port: o.port });
    let buf = "";
    const finish = (v: string) => {
      clearTimeout(timer);
      sock.destroy();
      done(v);
    };
    const timer = setTimeout(() => finish(""), o.timeoutMs);
    sock.setEncoding("utf8");
    sock.on("connect", () => sock.write(`${o.request}\n`));
    sock.on("data", (d: string) => {
      buf += d;
      // Informs (#…) may come first: the reply is the first line starting with '!'.
      const reply = buf.split("\n").find((l, i, all) => i < all.length - 1 && l.startsWith("!"));
      if (reply !== undefined) finish(reply.trim());
    });
    sock.on("error", () => finish(""));
    sock.on("close", () => finish(""));
  });
}

/** The disk formats the boot test can put an overlay on. */
export type DiskFormat = "raw" | "qcow2";

/** How often the serial log is read: a stage is seen at most this late. */
const POLL_MS = 250;

/**
 * How long one `?watchdog` attempt waits for the reply. Until the guest's network is up, the forwarded
 * connection hangs rather than fails, so a short first wait and a longer one on each retry find the
 * simulator soon after it answers, yet still let a slow guest take its time (up to the cap).
 */
export function askTimeoutMs(attempt: number): number {
  return Math.min(1500 + 1000 * attempt, 10_000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Under KVM, a guest that printed nothing by then is taken for a KVM that opens but does not run guests. */
const KVM_SILENT_SEC = 60;

/** Fails before any work when qemu, qemu-img or the firmware (OVMF, or SeaBIOS) is missing. */
async function checkBootTools(firmware: BootFirmware): Promise<void> {
  checkTool("qemu-system-x86_64", "boot the VM for the smoke test", "apt-get install qemu-system-x86");
  checkTool("qemu-img", "make the throwaway overlay the VM boots from", "apt-get install qemu-utils");
  const [files, what, pkg] = firmware === "bios" ? [[SEABIOS], "BIOS", "seabios"] : [[OVMF_CODE, OVMF_VARS], "UEFI firmware", "ovmf"];
  for (const f of files) {
    await access(f).catch(() => {
      throw new ToolError(`could not find ${f}, the ${what} the boot test boots with\nhint: apt-get install ${pkg}`);
    });
  }
}

/**
 * Runs the boot test; never throws for a failed boot (that is `ok: false`), only for a broken environment.
 * When KVM was picked but the guest stays silent, it boots once more under TCG in the time that is left.
 */
export async function bootTest(o: BootTestOptions): Promise<BootTestResult> {
  await checkBootTools(o.firmware ?? "uefi");
  const t0 = performance.now();
  const seconds = () => secondsSince(t0);
  const timeoutSec = o.timeoutSec ?? 300;
  const first = await pickAccel();
  const r = await bootOnce({ ...o, accel: first, timeoutSec, silentSec: first === "kvm" ? KVM_SILENT_SEC : undefined, seconds });
  if (r.ok || first !== "kvm" || r.stage !== "started" || !r.error?.startsWith(SILENT)) return r;
  return bootOnce({ ...o, accel: "tcg", timeoutSec: Math.max(1, timeoutSec - seconds()), seconds });
}

const SILENT = "no serial output";

/** One boot in a fresh overlay and a fresh copy of the firmware's variables. */
async function bootOnce(
  o: BootTestOptions & { readonly accel: Accel; readonly timeoutSec: number; readonly silentSec?: number; readonly seconds: () => number },
): Promise<BootTestResult> {
  const work = await mkdtemp(join(tmpdir(), "kiln-boot-"));
  try {
    const overlay = join(work, "overlay.qcow2");
    // The overlay takes every write; the disk it is backed by is only read.
    await run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", resolve(o.disk), "-F", o.format ?? "qcow2", overlay]);
    const firmware = o.firmware ?? "uefi";
    const vars = firmware === "uefi" ? join(work, "OVMF_VARS.fd") : undefined;
    if (vars) await copyFile(OVMF_VARS, vars);
    await writeFile(o.log, "");
    const hostPort = await freePort();
    const hw = o.hw ?? "virtio";
    const argv = qemuArgv({ disk: overlay, vars, serialLog: o.log, hostPort, guestPort: o.guestPort ?? 7147, accel: o.accel, hw, firmware });
    return await watch({ argv, hostPort, log: o.log, timeoutSec: o.timeoutSec, silentSec: o.silentSec, seconds: o.seconds, accel: o.accel, hw, firmware });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What watch() follows. */
interface WatchOptions {
  readonly argv: readonly string[];
  readonly hostPort: number;
  readonly log: string;
  readonly timeoutSec: number;
  /** Give up early when the serial log is still empty after this many seconds. */
  readonly silentSec?: number;
  readonly seconds: () => number;
  readonly accel: Accel;
  readonly hw: BootHw;
  readonly firmware: BootFirmware;
}

/** Starts qemu, follows the serial log and the simulator until success, a fatal sign, qemu's exit or the deadline; always kills qemu. */
async function watch(o: WatchOptions): Promise<BootTestResult> {
  const proc = spawnPiped([...deathSignalPrefix(), ...o.argv]);
  proc.stdin?.end();
  proc.stdout?.resume();
  let exit: string | undefined;
  const exited = proc.then(
    () => {
      exit = "qemu exited";
    },
    (e: unknown) => {
      exit = `qemu exited: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}${tailOf(pipedFailure(e).stderr)}`;
    },
  );
  let stage: BootStage = "started";
  const result = (ok: boolean, error?: string): BootTestResult => ({
    ok,
    stage,
    seconds: o.seconds(),
    log: o.log,
    accel: o.accel,
    hw: o.hw,
    firmware: o.firmware,
    ...(error ? { error } : {}),
  });
  try {
    const begin = performance.now();
    let attempt = 0;
    while (performance.now() < begin + o.timeoutSec * 1000) {
      const log = await readFile(o.log, "utf8").catch(() => "");
      stage = later(stage, stageFromLog(log));
      const fatal = FATAL.exec(log)?.[0];
      if (fatal) return result(false, `the guest failed to boot: "${fatal}" on the serial console`);
      if (exit) return result(false, exit);
      if (o.silentSec !== undefined && !log && performance.now() > begin + o.silentSec * 1000)
        return result(false, `${SILENT} after ${o.silentSec}s under ${o.accel}`);
      if (stage === "multi-user") {
        const reply = await askLine({ port: o.hostPort, request: "?watchdog", timeoutMs: askTimeoutMs(attempt++) });
        if (reply === "!watchdog ok") {
          stage = "watchdog";
          return result(true);
        }
        if (reply) return result(false, `?watchdog answered '${reply}', expected '!watchdog ok'`);
      }
      await sleep(POLL_MS);
    }
    return result(
      false,
      `timed out after ${o.timeoutSec}s at stage '${stage}'${stage === "multi-user" ? ": nothing answered ?watchdog on the forwarded port" : ""}`,
    );
  } finally {
    proc.kill("SIGKILL");
    await exited;
  }
}

/** The later of two stages. */
function later(a: BootStage, b: BootStage): BootStage {
  return BOOT_STAGES.indexOf(b) > BOOT_STAGES.indexOf(a) ? b : a;
}

/** The last lines of a process's captured stderr, for an error message. */
function tailOf(text: string): string {
  const lines = text.trim().split("\n").filter(Boolean).slice(-5);
  return lines.length ? `\n${lines.join("\n")}` : "";
}
