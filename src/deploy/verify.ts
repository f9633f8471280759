// `kiln verify REF`: boot the image once in a throwaway container on this machine (the lxc driver, a
// private LXC path under the temp dir, an isolated bridge with nothing else on it), wait for systemd,
// run the manifest's [verify] commands, report each, and destroy everything whatever happens.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkTool, run } from "../exec/run.js";
import { warn } from "../log.js";
import { resolveStored, verifiedImage } from "../store/index.js";
import { DEFAULT_VERIFY, healthGate, type GateResult } from "./health.js";
import type { HostDriver, HostInventory, NodeInventory } from "./types.js";

/** The health gate's result for the image, and which image and template it was. */
export interface VerifyReport extends GateResult {
  readonly image: string;
  readonly template: string;
}

/** What verify needs from the machine; tests replace it. */
export interface VerifyDeps {
  /** The driver for the throwaway host. */
  readonly driver?: (host: HostInventory) => HostDriver | Promise<HostDriver>;
  /** Makes an isolated bridge and returns its name / removes it. */
  readonly bridge?: { create(): Promise<string>; remove(name: string): Promise<void> };
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

/** Verifies the stored image REF names. */
export async function verifyImage(o: { readonly store: string; readonly ref: string }, deps: VerifyDeps = {}): Promise<VerifyReport> {
  // The template is verified against its manifest before a container is made from it.
  const { image: img, manifest: m } = await verifiedImage(o.store, (await resolveStored(o.store, o.ref)).id);
  if (!deps.driver) preflight();
  const tmp = await mkdtemp(join(tmpdir(), "kiln-verify-"));
  const bridge = deps.bridge ?? isolatedBridge;
  const cleanups: (() => Promise<void>)[] = [() => rm(tmp, { recursive: true, force: true })];
  const cleanup = once(async () => {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => warn(`verify cleanup: ${(e as Error).message}`));
  });
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    const host: HostInventory = { name: "verify", address: "local", driver: "lxc", storage: join(tmp, "lxc"), stateDir: join(tmp, "state"), parallel: 1 };
    const br = await bridge.create();
    cleanups.push(() => bridge.remove(br));
    const driver = await (deps.driver ?? defaultDriver)(host);
    const vmid = 900_000_000 + (randomBytes(4).readUInt32BE(0) % 99_999_999);
    const node = throwawayNode(vmid, br);
    await driver.ensureTemplate({ image: m.image, file: img.template, sha256: m.template.sha256 });
    cleanups.push(async () => {
      await driver.stop(vmid).catch(() => undefined);
      await driver.destroy(vmid);
    });
    deps.log?.(`verify: container ${vmid} from ${img.template}`);
    await driver.create(node, vmid, m.image);
    await driver.start(vmid);
    const gate = await healthGate({ driver, vmid, verify: m.verify ?? DEFAULT_VERIFY, stopOnFailure: false, pollMs: deps.pollMs });
    return { image: m.image, template: img.template, ...gate };
  } finally {
    await cleanup();
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
}

/** A node for the throwaway container: no data mounts, a test address on its own bridge, a random local MAC. */
function throwawayNode(vmid: number, bridge: string): NodeInventory {
  const mac = `02:${[...randomBytes(5)].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
  // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never routed, and the bridge leads nowhere anyway.
  return {
    name: "kiln-verify",
    host: "verify",
    slots: [vmid, vmid + 1],
    hostname: "kiln-verify",
    cores: 1,
    memory: 1024,
    disk: 4,
    network: { bridge, ip: "192.0.2.2/24", mac },
    mounts: [],
  };
}

/** Fails early, with the fix, when this machine cannot run containers. */
function preflight(): void {
  checkTool("lxc-start", "boot the image in a throwaway container", "install the lxc package (kiln verify needs root)");
  checkTool("ip", "make an isolated bridge for the throwaway container", "install iproute2");
}

/** The real lxc driver on this machine. */
async function defaultDriver(host: HostInventory): Promise<HostDriver> {
  const [{ lxcDriver }, { localTransport }] = await Promise.all([import("./drivers/lxc.js"), import("./transport/local.js")]);
  return lxcDriver({ transport: localTransport(), host });
}

/** A bridge with no uplink: the container gets an interface, but reaches nothing. */
const isolatedBridge = {
  async create(): Promise<string> {
    const name = `kv${randomBytes(4).toString("hex")}`;
    await run(["ip", "link", "add", "name", name, "type", "bridge"]);
    await run(["ip", "link", "set", "dev", name, "up"]);
    return name;
  },
  async remove(name: string): Promise<void> {
    await run(["ip", "link", "delete", "dev", name, "type", "bridge"]);
  },
};

/** Runs `fn` at most once; later calls get the first call's promise. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
