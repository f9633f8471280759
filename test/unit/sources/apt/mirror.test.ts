import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../../../src/errors.js";
import type { Recipe } from "../../../../src/recipe/types.js";
import { hostSourcesFiles, sourcesSuites } from "../../../../src/sources/apt/host-sources.js";
import { fetchMirrors, imageSources } from "../../../../src/sources/apt/mirror.js";

let etc: string;
const DEB822 =
  "Types: deb deb-src\nURIs: http://m/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://m/x\nSuites: disabled-suite\nEnabled: no\n";

beforeAll(async () => {
  etc = await mkdtemp(join(tmpdir(), "kiln-etc-apt-"));
  await mkdir(join(etc, "sources.list.d"));
  await writeFile(join(etc, "sources.list"), "# only a comment\n");
  await writeFile(join(etc, "sources.list.d", "debian.sources"), DEB822);
  await writeFile(
    join(etc, "sources.list.d", "sec.list"),
    "deb [signed-by=/k.gpg arch=amd64] http://s/debian-security bookworm-security main # x\ndeb-src http://s bookworm-security main\n",
  );
  await writeFile(join(etc, "sources.list.d", "other.list.disabled"), "deb http://o trixie main\n");
  await writeFile(join(etc, "sources.list.d", "bad name.list"), "deb http://o sid main\n");
});
afterAll(async () => {
  await rm(etc, { recursive: true, force: true });
});

const recipe = (base: Partial<Recipe["base"]>): Recipe =>
  ({ path: "/p/r.toml", base: { suite: "bookworm", variant: "minbase", mirror: "host", components: ["main"], include: [], ...base } }) as unknown as Recipe;

describe("host sources", () => {
  it("reads the files apt reads (deb822 and one-line), skips empty, disabled and oddly named ones", () => {
    const files = hostSourcesFiles(etc);
    expect(files.map((f) => [f.name, f.format])).toEqual([
      ["debian.sources", "deb822"],
      ["sec.list", "one-line"],
    ]);
  });

  it("lists the suites of binary entries only", () => {
    expect(sourcesSuites(DEB822, "deb822")).toEqual(["bookworm", "bookworm-updates"]);
    expect(sourcesSuites("deb [trusted=yes] copy:///r ./\ndeb-src http://x sid main\n#deb http://y trixie main\n", "one-line")).toEqual(["./"]);
  });
});

describe("mirrors", () => {
  it("passes the host's sources files to mmdebstrap for 'host', and a URL as is", () => {
    expect(fetchMirrors(recipe({}), etc)).toEqual([join(etc, "sources.list.d", "debian.sources"), join(etc, "sources.list.d", "sec.list")]);
    expect(fetchMirrors(recipe({ mirror: "http://m/debian" }), etc)).toEqual(["http://m/debian"]);
  });

  it("refuses a suite the host's sources do not have, naming the ones they do", () => {
    const e = (() => {
      try {
        fetchMirrors(recipe({ suite: "trixie" }), etc);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toContain(
      "'trixie' is not a suite of the build host's apt sources (they have: bookworm, bookworm-updates, bookworm-security)",
    );
    expect(() => fetchMirrors(recipe({}), join(etc, "nowhere"))).toThrow(/no 'deb' entries/);
  });

  it("gives the image the host's files as they are, or one deb line for a URL", () => {
    expect(imageSources(recipe({}).base, etc)).toEqual([
      { path: "/etc/apt/sources.list", text: "" },
      { path: "/etc/apt/sources.list.d/debian.sources", text: DEB822 },
      { path: "/etc/apt/sources.list.d/sec.list", text: expect.stringContaining("bookworm-security") },
    ]);
    expect(imageSources(recipe({ mirror: "http://m/debian", components: ["main", "contrib"] }).base, etc)).toEqual([
      { path: "/etc/apt/sources.list", text: "deb http://m/debian bookworm main contrib\n" },
    ]);
  });
});
