// Shared set-up for integration tests that boot real containers: a bookworm systemd rootfs (mmdebstrap),
// images of it in a store with a [verify] section, a test bridge, the pct simulator built into dist/,
// and clean-up of every container left under a temp dir. Needs root, LXC, mmdebstrap and the mirror.
import { readdir, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { diskSource } from "../../src/archive/index.js";
import { run } from "../../src/exec/run.js";
import { addImage, type AddImageResult, type Manifest } from "../../src/store/index.js";
import type { VerifySection } from "../../src/recipe/types.js";
import { repoRoot } from "./kiln.js";
import { sharedMmdebstrap } from "./shared.js";

/** mmdebstrap arguments of the systemd rootfs that the LXC tests boot (shared by the run: shared.ts). */
export const SYSTEMD_ROOTFS = ["--variant=minbase", "--include=systemd-sysv,ifupdown,openssh-server,iproute2"] as const;

/** Builds a minimal bookworm rootfs with systemd and sshd, without host identity (as bake's normalize). */
export async function systemdRootfs(dir: string): Promise<void> {
  await sharedMmdebstrap(dir, SYSTEMD_ROOTFS);
  for (const n of await readdir(join(dir, "etc/ssh"))) if (n.startsWith("ssh_host_")) await rm(join(dir, "etc/ssh", n));
  await truncate(join(dir, "etc/machine-id"));
}

/**
 * Stores `dir` as an image whose manifest carries `verify` (what bake records; `kiln pack` records none).
 * `like` is a packed image of a tree with the same packages (arch, ostype, debs are taken from it). The
 * image id covers the template, not [verify]: trees stored this way must differ from `like`'s in a file.
 */
export async function storeWithVerify(
  store: string,
  o: { readonly dir: string; readonly like: Manifest; readonly version: string; readonly verify: VerifySection },
): Promise<AddImageResult> {
  const m = o.like;
  return addImage(store, {
    source: diskSource(o.dir),
    compression: { kind: "zstd" },
    meta: {
      name: m.name,
      version: o.version,
      arch: m.arch,
      ostype: m.ostype,
      origin: m.origin,
      inputs: null,
      recipe: null,
      lockSha256: null,
      debs: m.debs,
      python: [],
      checkouts: [],
      verify: o.verify,
      sourceDateEpoch: m.sourceDateEpoch,
    },
  });
}

/** A bridge with 10.213.<net>.1/24 on it; returns its name and subnet prefix. */
export async function testBridge(): Promise<{ readonly name: string; readonly prefix: string }> {
  const net = 1 + ((randomBytes(1)[0] as number) % 250); // random third octet, so parallel runs rarely meet
  const name = `kilnbr${randomBytes(3).toString("hex")}`;
  await run(["ip", "link", "add", "name", name, "type", "bridge"]);
  await run(["ip", "addr", "add", `10.213.${net}.1/24`, "dev", name]);
  await run(["ip", "link", "set", name, "up"]);
  return { name, prefix: `10.213.${net}` };
}

/** Compiles the pct simulator's entry points into dist/ (only them, so others' work in progress cannot break it). */
export async function buildPctSim(tmp: string): Promise<void> {
  const tsconfig = join(tmp, "tsconfig.sim.json");
  const files = ["test/pct-sim/pct.ts", "test/pct-sim/pvesm.ts"].map((f) => join(repoRoot, f));
  await writeFile(
    tsconfig,
    JSON.stringify({
      extends: join(repoRoot, "tsconfig.json"),
      compilerOptions: { outDir: join(repoRoot, "dist"), rootDir: repoRoot, typeRoots: [join(repoRoot, "node_modules/@types")], types: ["node"] },
      files,
      include: [],
    }),
  );
  await run(["npx", "tsc", "-p", tsconfig], { cwd: repoRoot, timeoutMs: 300_000 });
}

/** PATH for a "Proxmox host" session: the pct shim first. */
export const simPath = [join(repoRoot, "test/support/bin"), "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"].join(":");

/** Stops every container under the LXC paths and undoes pct's rootfs mounts (whatever a failed test left). */
export async function stopContainers(lxcpaths: readonly string[]): Promise<void> {
  for (const lxcpath of lxcpaths) {
    for (const name of await readdir(lxcpath).catch(() => [] as string[])) {
      await run(["lxc-stop", "-n", name, "-P", lxcpath, "-k"], { allowFailure: true });
      await run(["umount", join(lxcpath, name, "rootfs")], { allowFailure: true });
    }
  }
}

/** The ed25519 host key a client sees at `ip` (ssh-keyscan, retried while sshd starts). */
export async function scannedKey(ip: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const r = await run(["ssh-keyscan", "-T", "2", "-t", "ed25519", ip], { allowFailure: true });
    const line = r.stdout.split("\n").find((l) => l.startsWith(ip));
    if (line) return line.split(" ").slice(1, 3).join(" ");
    await new Promise((r2) => setTimeout(r2, 200));
  }
  throw new Error(`no ssh host key from ${ip}`);
}
