// Deploy benchmark (issue 4): 15 nodes on 3 hosts, through the built CLI. Measures the wall time of a
// deploy that swaps every node to a new image (create + swap + health gate), each node's downtime (the
// journal's downtimeMs: old slot stopped → new slot healthy) and the wall time of the rollback (a flip).
// Targets: deploy ≤ 60 s, downtime ≤ 3 s per node, rollback ≤ 10 s. Writes bench/out/deploy.json.
//
//   npm run build && node dist/bench/deploy.js          (root, LXC; mmdebstrap the first time)
//
// The three hosts are `address = "local"` hosts with their own LXC path and state dir (one machine).
// The rootfs (minbase + systemd + sshd) is made once and kept in bench/out/ (gitignored).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { checkTool, run } from "../src/exec/run.js";
import { addImage, packDirectory, type Manifest } from "../src/store/index.js";
import { diskSource } from "../src/archive/index.js";
import { journalPathFor } from "../src/deploy/journal.js";

const HOSTS = ["alpha", "beta", "gamma"] as const;
const PER_HOST = 5;
const TARGET = { deployS: 60, downtimeS: 3, rollbackS: 10 } as const;

/** The project root, whether run from bench/ or dist/bench/. */
function projectRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.split("/").includes("dist") ? resolve(here, "../..") : resolve(here, "..");
}
const root = projectRoot();
const out = join(root, "bench", "out");
const cli = join(root, "dist", "src", "main.js");

/** Makes the systemd rootfs once; reuses it afterwards. */
async function ensureRootfs(dir: string): Promise<void> {
  if (existsSync(`${dir}.done`)) return;
  checkTool("mmdebstrap", "build the benchmark rootfs", "apt-get install mmdebstrap");
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`making ${dir} with mmdebstrap (about a minute)…\n`);
  await run(["mmdebstrap", "--quiet", "--variant=minbase", "--include=systemd-sysv,ifupdown,openssh-server,iproute2", "bookworm", dir], { timeoutMs: 900_000 });
  // No host identity in a template (what bake's normalize does).
  for (const n of readdirSync(join(dir, "etc/ssh"))) if (n.startsWith("ssh_host_")) rmSync(join(dir, "etc/ssh", n));
  truncateSync(join(dir, "etc/machine-id"));
  writeFileSync(`${dir}.done`, "");
}

/**
 * Stores the rootfs with /etc/kiln-variant = v and a [verify] that reads it; returns the image id. The
 * packed image `like` (same packages) gives arch, ostype and debs; `kiln pack` itself records no [verify].
 */
async function storeVariant(o: { readonly store: string; readonly dir: string; readonly v: string; readonly like: Manifest }): Promise<string> {
  writeFileSync(join(o.dir, "etc/kiln-variant"), `${o.v}\n`);
  const m = o.like;
  const verify = { allowDegraded: [], commands: [["grep", "-qx", o.v, "/etc/kiln-variant"]], timeout: 60 };
  const meta = {
    name: m.name,
    version: `1.0.${o.v.charCodeAt(0)}`,
    arch: m.arch,
    ostype: m.ostype,
    origin: m.origin,
    inputs: null,
    recipe: null,
    lockSha256: null,
    debs: m.debs,
    python: [],
    checkouts: [],
    verify,
    sourceDateEpoch: m.sourceDateEpoch,
  };
  return (await addImage(o.store, { source: diskSource(o.dir), compression: { kind: "zstd" }, meta })).manifest.image;
}

/** The generated inventory: 3 local hosts (own LXC path and state dir), 5 nodes each, 3 at a time. */
function inventory(o: { readonly site: string; readonly bridge: string; readonly prefix: string }): string {
  const lines: string[] = [];
  for (const h of HOSTS) {
    lines.push(
      `[hosts.${h}]`,
      `address = "local"`,
      `driver = "lxc"`,
      `storage = "${join(o.site, h, "lxc")}"`,
      `state_dir = "${join(o.site, h, "state")}"`,
      "parallel = 3",
      "",
    );
  }
  HOSTS.forEach((h, hi) => {
    for (let i = 1; i <= PER_HOST; i++) {
      const n = hi * PER_HOST + i;
      const name = `node${String(n).padStart(2, "0")}`;
      mkdirSync(join(o.site, "data", name), { recursive: true });
      lines.push(
        `[nodes.${name}]`,
        `host = "${h}"`,
        `slots = [${9000 + n * 2}, ${9001 + n * 2}]`,
        "memory = 256",
        "disk = 2",
        `network = { bridge = "${o.bridge}", ip = "${o.prefix}.${10 + n}/24", gateway = "${o.prefix}.1", mac = "02:4b:49:42:00:${n.toString(16).padStart(2, "0")}" }`,
        "",
        `[[nodes.${name}.mount]]`,
        `host = "${join(o.site, "data", name)}"`,
        `path = "/data"`,
        "",
      );
    }
  });
  return lines.join("\n");
}

/** Runs the CLI with --json; throws with its stderr when it fails; returns the wall time and document. */
async function kiln(
  args: readonly string[],
  store: string,
): Promise<{ readonly ms: number; readonly doc: { result?: { deploy: string; nodes: Array<{ node: string; status: string }> } } }> {
  const t0 = performance.now();
  const r = await run([process.execPath, cli, ...args, "--store", store, "--json"], { allowFailure: true, timeoutMs: 900_000 });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`kiln ${args.join(" ")}: exit ${r.exitCode}\n${r.stderr}`);
  return { ms, doc: JSON.parse(r.stdout) };
}

/** Stops and destroys every container under the site's LXC paths (hosts in parallel: 30 rootfs to delete). */
async function cleanContainers(site: string): Promise<void> {
  await Promise.all(
    HOSTS.map(async (h) => {
      const p = join(site, h, "lxc");
      for (const n of existsSync(p) ? readdirSync(p) : []) await run(["lxc-destroy", "-f", "-n", n, "-P", p], { allowFailure: true });
    }),
  );
}

/** Runs the benchmark and prints/records the figures against the targets. */
async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const rootfs = join(out, "deploy-rootfs");
  await ensureRootfs(rootfs);
  const store = join(out, "deploy-store");
  writeFileSync(join(rootfs, "etc/kiln-variant"), "packed\n");
  const like = (await packDirectory(store, { dir: rootfs, name: "bench-deploy", version: "0.0.1" })).manifest;
  const A = await storeVariant({ store, dir: rootfs, v: "A", like });
  const B = await storeVariant({ store, dir: rootfs, v: "B", like });
  const site = join(out, `deploy-site-${randomBytes(3).toString("hex")}`);
  const net = 1 + ((randomBytes(1)[0] as number) % 250);
  const bridge = `kilnbb${randomBytes(3).toString("hex")}`;
  mkdirSync(site, { recursive: true });
  await run(["ip", "link", "add", "name", bridge, "type", "bridge"]);
  try {
    await run(["ip", "addr", "add", `10.214.${net}.1/24`, "dev", bridge]);
    await run(["ip", "link", "set", bridge, "up"]);
    const inv = join(site, "site.toml");
    writeFileSync(inv, inventory({ site, bridge, prefix: `10.214.${net}` }));
    const first = await kiln(["deploy", A, "--inventory", inv], store);
    const swap = await kiln(["deploy", B, "--inventory", inv], store);
    const journal = readFileSync(journalPathFor(inv), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { deploy: string; event: string; node: string; downtimeMs?: number });
    const downtimes = journal.filter((l) => l.deploy === swap.doc.result?.deploy && l.event === "done").map((l) => ({ node: l.node, ms: l.downtimeMs ?? NaN }));
    const back = await kiln(["rollback", "--inventory", inv], store);
    const maxDown = Math.max(...downtimes.map((d) => d.ms));
    const report = {
      nodes: HOSTS.length * PER_HOST,
      hosts: HOSTS.length,
      machine: { cpus: cpus().length, loadavg: loadavg() },
      firstDeployMs: Math.round(first.ms),
      deployMs: Math.round(swap.ms),
      rollbackMs: Math.round(back.ms),
      downtimeMs: { max: maxDown, median: downtimes.map((d) => d.ms).sort((a, b) => a - b)[Math.floor(downtimes.length / 2)], perNode: downtimes },
      targets: TARGET,
      met: { deploy: swap.ms <= TARGET.deployS * 1000, downtime: maxDown <= TARGET.downtimeS * 1000, rollback: back.ms <= TARGET.rollbackS * 1000 },
    };
    writeFileSync(join(out, "deploy.json"), `${JSON.stringify(report, null, 2)}\n`);
    const ok = (b: boolean): string => (b ? "ok" : "MISSED");
    process.stdout.write(
      [
        `deploy bench: ${report.nodes} nodes on ${report.hosts} hosts (load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}, ${cpus().length} cpus)`,
        `  first deploy (create all)   ${(first.ms / 1000).toFixed(1)} s`,
        `  deploy (swap to new image)  ${(swap.ms / 1000).toFixed(1)} s   target ≤ ${TARGET.deployS} s   ${ok(report.met.deploy)}`,
        `  downtime per node           max ${(maxDown / 1000).toFixed(2)} s, median ${((report.downtimeMs.median ?? NaN) / 1000).toFixed(2)} s   target ≤ ${TARGET.downtimeS} s   ${ok(report.met.downtime)}`,
        `  rollback (flip)             ${(back.ms / 1000).toFixed(1)} s   target ≤ ${TARGET.rollbackS} s   ${ok(report.met.rollback)}`,
        `  → ${join(out, "deploy.json")}`,
        "",
      ].join("\n"),
    );
  } finally {
    await cleanContainers(site);
    await run(["ip", "link", "del", bridge], { allowFailure: true });
    rmSync(site, { recursive: true, force: true });
  }
}

await main();
