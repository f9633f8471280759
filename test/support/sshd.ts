// A real OpenSSH server on 127.0.0.1 for integration tests: its own port, host key, client key and
// authorized_keys in a directory the caller owns; SetEnv gives every session the caller's variables
// (PATH to a simulator, PCT_SIM_ROOT, …). stop() kills it; the caller removes the directory.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import { run, spawnPiped } from "../../src/exec/run.js";

export interface LoopbackSshd {
  readonly port: number;
  /** known_hosts line pinning this server's host key. */
  readonly knownHosts: string;
  /** Private key that may log in as root. */
  readonly identityFile: string;
  /** The server's public host key ("ssh-ed25519 AAAA… comment"). */
  readonly hostPub: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port (or rejects after `ms`). */
async function waitForPort(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection({ port, host: "127.0.0.1" }, () => {
        c.end();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`sshd did not listen on port ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts sshd with keys and config under `dir` (which must exist). */
export async function startSshd(o: { readonly dir: string; readonly env?: Readonly<Record<string, string>> }): Promise<LoopbackSshd> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  // Debian's sshd needs its privilege separation directory.
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const hostKey = join(o.dir, "ssh_host_ed25519_key");
  const clientKey = join(o.dir, "client_ed25519");
  await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kiln-test-host", "-f", hostKey]);
  await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kiln-test-client", "-f", clientKey]);
  await writeFile(join(o.dir, "authorized_keys"), await readFile(`${clientKey}.pub`), { mode: 0o600 });
  const port = await freePort();
  const setEnv = Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const config = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${join(o.dir, "authorized_keys")}`,
    `PidFile ${join(o.dir, "sshd.pid")}`,
    // The keys live under /tmp (world-writable): StrictModes would refuse them.
    "StrictModes no",
    "UsePAM no",
    "PermitRootLogin prohibit-password",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    // Room for parallel tests; kiln itself keeps to sshd's default of 10 sessions per connection.
    "MaxSessions 10",
    "MaxStartups 100",
    ...(setEnv.length ? [`SetEnv ${setEnv.join(" ")}`] : []),
    "",
  ].join("\n");
  const cfg = join(o.dir, "sshd_config");
  await writeFile(cfg, config);
  const proc = spawnPiped(["/usr/sbin/sshd", "-D", "-e", "-f", cfg]);
  proc.catch(() => undefined); // killed at stop(); its exit is expected
  await waitForPort(port, 5000);
  const hostPub = (await readFile(`${hostKey}.pub`, "utf8")).trim();
  return {
    port,
    knownHosts: `[127.0.0.1]:${port} ${hostPub.split(" ").slice(0, 2).join(" ")}`,
    identityFile: clientKey,
    hostPub,
    stop: async () => {
      proc.kill("SIGTERM");
      await Promise.resolve(proc).catch(() => undefined);
    },
  };
}
