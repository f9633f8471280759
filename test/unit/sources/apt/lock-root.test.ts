import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockRootEntries, pathsInSources } from "../../../../src/sources/apt/lock-root.js";

describe("kiln lock's mini-root", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kiln-lockroot-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finds local mirrors and keyrings in one-line and deb822 sources", () => {
    expect(pathsInSources("deb [signed-by=/srv/keys/site.gpg arch=amd64] file:///srv/mirror bookworm main\n")).toEqual(["/srv/mirror", "/srv/keys/site.gpg"]);
    expect(pathsInSources("Types: deb\nURIs: copy:/srv/m/../mirror\nSigned-By: /etc/apt/keyrings/x.asc\n")).toEqual(["/srv/mirror", "/etc/apt/keyrings/x.asc"]);
    expect(pathsInSources("deb http://mirror.example/debian bookworm main")).toEqual([]);
  });

  it("binds apt's configuration, TLS roots and a sources file's local mirror read-only, and the work dir writable", async () => {
    const mirror = join(dir, "mirror");
    const sources = join(dir, "site.list");
    await writeFile(mirror, "");
    await writeFile(sources, `deb [trusted=yes] file://${mirror} ./\n`);
    const entries = lockRootEntries([sources], [join(dir, "work")]);
    const ro = entries.filter((e) => e.kind === "ro").map((e) => e.path);
    expect(ro).toEqual(expect.arrayContaining(["/usr", "/etc/apt", "/etc/passwd", sources, mirror]));
    expect(ro).not.toContain("/etc/apt/apt.conf.d");
    expect(ro.some((p) => /^\/(root|home|run|var)(\/|$)|shadow/.test(p))).toBe(false);
    expect(entries.filter((e) => e.kind === "rw")).toEqual([{ kind: "rw", path: join(dir, "work") }]);
  });

  it("leaves out a path another entry already holds", () => {
    const entries = lockRootEntries(["deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://m.example/ bookworm main"], ["/nonexistent/w"]);
    expect(entries.map((e) => e.path)).not.toContain("/usr/share/keyrings/debian-archive-keyring.gpg");
  });
});
