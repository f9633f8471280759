// `kiln sign`: an SSH signature (ssh-keygen -Y sign, namespace kiln-image) over the manifest's exact bytes,
// and over provenance.json when the image has one. The manifest binds the image id, the compressed
// template's sha256, the inputs hash and the lock digest, so signing it signs all four.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { sshFingerprintArgv, sshSignArgv } from "../exec/argv/ssh-keygen.js";
import { run } from "../exec/run.js";
import { attestationsDir, resolveStored, verifiedImage } from "../store/index.js";
import { writeFileAtomic } from "../util/fs.js";
import { quoteInput } from "../util/quote.js";
import { PROVENANCE_FILE } from "./provenance.js";
import { fingerprintLabel, principalProblem, sigFileName } from "./signatures.js";

export interface SignRequest {
  readonly store: string;
  readonly ref: string;
  /** Private key file (ssh-keygen -f). */
  readonly key: string;
  /** Names the signature files; default: the key's fingerprint. */
  readonly principal?: string;
}

export interface SignResult {
  readonly image: string;
  /** Signature files written, absolute. */
  readonly signatures: readonly string[];
}

/** The key's SHA256 fingerprint, from `ssh-keygen -l`. */
export async function keyFingerprint(key: string): Promise<string> {
  const out = (await run(sshFingerprintArgv(key))).stdout;
  const fp = /\bSHA256:[A-Za-z0-9+/]+=*/.exec(out)?.[0];
  if (!fp) throw new UserError({ key: "--key", message: `ssh-keygen printed no fingerprint for ${quoteInput(key)}` });
  return fp;
}

/** Refuses a key path that is not a readable regular file (bad input, before ssh-keygen runs). */
async function checkKey(key: string): Promise<void> {
  const ok = await stat(key).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!ok) throw new UserError({ key: "--key", message: `${quoteInput(key)} is not a key file: give an SSH private key (ssh-keygen -t ed25519 makes one)` });
}

/** Signs `data` with `key`; returns the armored signature. */
async function signBytes(key: string, data: Buffer): Promise<string> {
  return (await run(sshSignArgv(key), { input: data })).stdout;
}

/** Signs REF's manifest (verified against its template first) and its provenance when present. */
export async function signImage(o: SignRequest): Promise<SignResult> {
  if (o.principal !== undefined) {
    const p = principalProblem(o.principal);
    if (p) throw new UserError({ key: "--principal", message: p });
  }
  await checkKey(o.key);
  const { image } = await verifiedImage(o.store, (await resolveStored(o.store, o.ref)).id);
  const label = o.principal ?? fingerprintLabel(await keyFingerprint(o.key));
  const dir = attestationsDir(o.store, image.id);
  const out: string[] = [];
  const targets: readonly { what: "manifest" | "provenance"; path: string }[] = [
    { what: "manifest", path: image.manifest },
    { what: "provenance", path: join(dir, PROVENANCE_FILE) },
  ];
  for (const t of targets) {
    const data = await readFile(t.path).catch((e: NodeJS.ErrnoException) => {
      if (t.what === "provenance" && e.code === "ENOENT") return undefined;
      throw e;
    });
    if (data === undefined) continue;
    const sig = join(dir, sigFileName(t.what, label));
    await writeFileAtomic(sig, await signBytes(o.key, data));
    out.push(sig);
  }
  return { image: image.id, signatures: out };
}
