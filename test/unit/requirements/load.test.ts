import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { loadRequirements } from "../../../src/requirements/load.js";
import { targetEnvironment } from "../../../src/requirements/markers.js";
import { sha256Hex } from "../../../src/util/hash.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-req-"));
  await mkdir(join(dir, "sub"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadRequirements", () => {
  it("reads the file and its includes relative to each including file, and hashes the top file's bytes", async () => {
    // Latin-1 bytes in a comment: the digest must be of the bytes on disk, not of decoded text.
    const top = Buffer.concat([Buffer.from("# caf"), Buffer.from([0xe9]), Buffer.from('\n-r sub/inc.txt\na==1.0 ; sys_platform == "linux"\n')]);
    await writeFile(join(dir, "pinned.txt"), top);
    await writeFile(join(dir, "sub", "inc.txt"), "-c ../constraints.txt\nb==2.0\n");
    await writeFile(join(dir, "constraints.txt"), "b==2\n");
    const r = await loadRequirements(join(dir, "pinned.txt"));
    expect(r.sha256).toBe(sha256Hex(top));
    expect(r.pins.map((p) => [p.name, p.version, p.file, p.line, p.applies])).toEqual([
      ["b", "2.0", join(dir, "sub", "inc.txt"), 2, true],
      ["a", "1.0", join(dir, "pinned.txt"), 3, true],
    ]);
  });

  it("passes the target environment on to marker evaluation", async () => {
    await writeFile(join(dir, "arm.txt"), 'a==1 ; platform_machine == "aarch64"\n');
    const r = await loadRequirements(join(dir, "arm.txt"), { env: targetEnvironment({ pythonVersion: "3.11.2", machine: "aarch64" }) });
    expect(r.pins[0]?.applies).toBe(true);
  });

  it("says what to check when the file cannot be read", async () => {
    const missing = join(dir, "nope.txt");
    await expect(loadRequirements(missing)).rejects.toThrow(UserError);
    await expect(loadRequirements(missing)).rejects.toThrow(`${missing}: cannot read the requirements file (ENOENT); check --requirements`);
  });

  it("reports a missing include at the line that names it", async () => {
    await writeFile(join(dir, "broken.txt"), "a==1\n-r gone.txt\n");
    await expect(loadRequirements(join(dir, "broken.txt"))).rejects.toThrow(
      `${join(dir, "broken.txt")}:2: -r "gone.txt": cannot read "${join(dir, "gone.txt")}" (ENOENT)`,
    );
  });
});
