import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DPKG_DEB_FIELDS_SCRIPT, dpkgDebControlsArgv } from "../../../../src/sources/apt/dpkg-deb-argv.js";
import { run } from "../../../../src/exec/run.js";
import { readDebControl, readDebControls } from "../../../../src/sources/apt/deb-file.js";

/** Builds a minimal .deb (control file only) with dpkg-deb. */
async function makeDeb(dir: string, o: { name: string; version: string; arch: string }): Promise<string> {
  const tree = join(dir, `${o.name}-tree`);
  mkdirSync(join(tree, "DEBIAN"), { recursive: true });
  writeFileSync(
    join(tree, "DEBIAN/control"),
    `Package: ${o.name}\nVersion: ${o.version}\nArchitecture: ${o.arch}\nMaintainer: t <t@example.org>\nDescription: test\n multi-line description\n`,
  );
  const deb = join(dir, `${o.name}.deb`);
  await run(["dpkg-deb", "--root-owner-group", "--build", tree, deb]);
  return deb;
}

describe("readDebControls", () => {
  let dir: string;
  let debs: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kiln-debctl-"));
    debs = [];
    for (const [i, v] of ["1.0-1", "1:2.3~rc1", "0.1+b2", "4", "5.0"].entries())
      debs.push(await makeDeb(dir, { name: `pkg${i}`, version: v, arch: i % 2 ? "all" : "amd64" }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes the paths as arguments, never inside the script", () => {
    const argv = dpkgDebControlsArgv(["/a b.deb", "-x.deb"]);
    expect(argv.slice(0, 4)).toEqual(["sh", "-c", DPKG_DEB_FIELDS_SCRIPT, "kiln-deb-fields"]);
    expect(argv.slice(4)).toEqual(["/a b.deb", "-x.deb"]);
  });

  it("gives what readDebControl gives for each deb, in order, whatever the batching", async () => {
    const one = await Promise.all(debs.map((d) => readDebControl(d)));
    expect(one.map((c) => c.version)).toEqual(["1.0-1", "1:2.3~rc1", "0.1+b2", "4", "5.0"]);
    for (const batches of [1, 2, 4, 10]) expect(await readDebControls(debs, batches)).toEqual(one);
    expect(await readDebControls([])).toEqual([]);
  });

  it("fails naming the file dpkg-deb cannot read", async () => {
    const bad = join(dir, "not-a.deb");
    writeFileSync(bad, "hello");
    await expect(readDebControls([...debs, bad], 1)).rejects.toThrow(/not-a\.deb/);
  });
});
