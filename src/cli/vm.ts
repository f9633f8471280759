// `kiln vm REF`: a stored image → bootable UEFI disk with a BIOS fallback (qcow2, streamOptimized VMDK, OVA;
// raw on request), optionally boot-tested in qemu. Exit 1 when the boot test fails, 2 on bad input (nothing written).
import { loadConfig } from "../config.js";
import { CheckFailed } from "../errors.js";
import type { GlobalOptions } from "./options.js";
import { buildVm, type VmResult } from "../vm/index.js";
import { emit } from "./output.js";

export interface VmCliOptions extends GlobalOptions {
  readonly formats?: string;
  readonly size?: string;
  readonly out?: string;
  readonly cpus?: number;
  readonly memory?: number;
  readonly bootTest?: boolean;
  readonly guestPort?: number;
  readonly bootTimeout?: number;
  readonly bootHw?: string;
  readonly bootFirmware?: string;
  readonly json?: boolean;
}

/** The result for a person: one line per output, then the boot test's verdict. */
function human(r: VmResult): string {
  const lines = r.outputs.map((o) => `${o.format.padEnd(5)} ${o.path} (${Math.ceil(o.size / 1048576)} MiB${o.reproducible ? ", reproducible" : ""})`);
  if (r.bootTest) {
    const b = r.bootTest;
    lines.push(
      b.ok
        ? `boot test: ok in ${b.seconds}s (${b.accel}, ${b.hw}, ${b.firmware}); serial log ${b.log}`
        : `boot test: FAILED at '${b.stage}' after ${b.seconds}s: ${b.error ?? "?"}; serial log ${b.log}`,
    );
  }
  return lines.join("\n");
}

/** Builds the VM disk for REF and prints what was written. */
export async function vm(ref: string, o: VmCliOptions): Promise<void> {
  const { store } = loadConfig({ store: o.store, cache: o.cache });
  const r = await buildVm({
    store,
    ref,
    formats: o.formats?.split(","),
    size: o.size,
    out: o.out,
    cpus: o.cpus,
    memoryMiB: o.memory,
    bootTest: o.bootTest,
    guestPort: o.guestPort,
    bootTimeoutSec: o.bootTimeout,
    bootHw: o.bootHw,
    bootFirmware: o.bootFirmware,
  });
  emit(o.json, r, human);
  const b = r.bootTest;
  if (b && !b.ok) throw new CheckFailed(`boot test failed at stage '${b.stage}': ${b.error ?? "?"} (serial log: ${b.log})`);
}
