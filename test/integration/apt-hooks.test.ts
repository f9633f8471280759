// The constant mmdebstrap hook scripts, run by sh against a fake apt-cache and a fake chroot.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/exec/run.js";
import { CHECK_REQUESTS_HOOK, COLLECT_HOOK, SEED_DEBS_HOOK } from "../../src/sources/apt/hooks.js";

let tmp: string;
const MADISON = [
  "  ifupdown |     0.8.41 | http://m/debian bookworm/main amd64 Packages",
  "  ifupdown |     0.8.41 | http://m/debian bookworm/main Sources",
  "   netbase |        6.4 | http://m/debian bookworm/main amd64 Packages",
  "",
].join("\n");

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-hooks-"));
  await mkdir(join(tmp, "bin"));
  // A stand-in for apt-cache: prints the madison lines of the names it is given.
  await writeFile(join(tmp, "bin", "apt-cache"), `#!/bin/sh\nshift\nfor n in "$@"; do grep "^ *$n |" ${join(tmp, "madison.txt")} || :; done\n`);
  await chmod(join(tmp, "bin", "apt-cache"), 0o755);
  await writeFile(join(tmp, "madison.txt"), MADISON);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Runs a hook as mmdebstrap would (`sh -c HOOK exec CHROOT`) with the given KILN_* variables. */
async function hook(script: string, chroot: string, env: Record<string, string>) {
  return run(["/bin/sh", "-c", script, "exec", chroot], {
    env: { PATH: `${join(tmp, "bin")}:${process.env.PATH}`, MMDEBSTRAP_APT_CONFIG: "/dev/null", ...env },
    allowFailure: true,
  });
}

/** A KILN_OUT directory holding the names and wants files fetch writes. */
async function outWith(name: string, wants: string[]): Promise<string> {
  const out = join(tmp, name);
  await mkdir(out);
  await writeFile(join(out, "names"), wants.map((w) => `${w.split("|")[0]}\n`).join(""));
  await writeFile(join(out, "wants"), wants.map((w) => `${w}\n`).join(""));
  return out;
}

describe("CHECK_REQUESTS_HOOK", () => {
  it("passes when every name and pinned version is on the mirror, recording madison", async () => {
    const out = await outWith("ok", ["ifupdown|0.8.41", "netbase"]);
    const r = await hook(CHECK_REQUESTS_HOOK, "/nonexistent", { KILN_OUT: out });
    expect(r.exitCode).toBe(0);
    expect(await readFile(join(out, "madison"), "utf8")).toContain("netbase |        6.4");
  });

  it("stops at once (exit 100) on a missing version, an unknown name, or a mere prefix of a name", async () => {
    for (const [i, w] of ["ifupdown|0.8.4", "nope", "net", "ifupdown|0.8.41|x"].entries()) {
      const r = await hook(CHECK_REQUESTS_HOOK, "/nonexistent", { KILN_OUT: await outWith(`bad${i}`, [w]) });
      expect(r.exitCode, w).toBe(100);
      expect(r.stderr).toContain(`kiln: ${w} is not available`);
    }
  });
});

describe("SEED_DEBS_HOOK and COLLECT_HOOK", () => {
  it("seed the chroot's apt archives and collect debs, dpkg status and Release files", async () => {
    const chroot = join(tmp, "chroot");
    const seed = join(tmp, "seed");
    await mkdir(seed);
    await writeFile(join(seed, "a_1_all.deb"), "a");
    expect((await hook(SEED_DEBS_HOOK, chroot, { KILN_SEED: seed })).exitCode).toBe(0);
    expect(await readdir(join(chroot, "var/cache/apt/archives"))).toEqual(["a_1_all.deb"]);
    await mkdir(join(chroot, "var/lib/dpkg"), { recursive: true });
    await mkdir(join(chroot, "var/lib/apt/lists"), { recursive: true });
    await writeFile(join(chroot, "var/lib/dpkg/status"), "Package: a\n");
    await writeFile(join(chroot, "var/lib/apt/lists/m_dists_bookworm_InRelease"), "Date: x\n");
    await writeFile(join(chroot, "var/lib/apt/lists/m_dists_bookworm_main_binary-amd64_Packages"), "");
    const out = join(tmp, "collected");
    expect((await hook(COLLECT_HOOK, chroot, { KILN_OUT: out })).exitCode).toBe(0);
    expect(await readdir(join(out, "debs"))).toEqual(["a_1_all.deb"]);
    expect(await readdir(join(out, "release"))).toEqual(["m_dists_bookworm_InRelease"]);
    expect(await readFile(join(out, "status"), "utf8")).toBe("Package: a\n");
  });

  it("refuse to run without their variable instead of writing to /", async () => {
    for (const h of [SEED_DEBS_HOOK, COLLECT_HOOK, CHECK_REQUESTS_HOOK]) {
      const r = await hook(h, join(tmp, "chroot"), {});
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/KILN_(OUT|SEED)/);
    }
  });
});
