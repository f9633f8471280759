import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { checkClosure, findClosureGaps, type ClosurePin } from "../../../src/requirements/closure.js";
import { targetEnvironment } from "../../../src/requirements/markers.js";
import type { DistMetadata } from "../../../src/requirements/metadata.js";

const env = targetEnvironment({ pythonVersion: "3.11.2", machine: "x86_64" });

/** A pin at the next line of pinned.txt. */
function pins(...specs: string[]): ClosurePin[] {
  return specs.map((s, i) => {
    const m = /^([^[=]+)(?:\[([^\]]*)\])?(===?)(\S+)(?: ; (.*))?$/.exec(s)!;
    return {
      name: m[1]!,
      version: m[4]!,
      ...(m[3] === "===" ? { arbitrary: true as const } : {}),
      extras: m[2] ? m[2].split(",") : [],
      applies: !m[5],
      ...(m[5] ? { marker: m[5] } : {}),
      file: "pinned.txt",
      line: i + 1,
    };
  });
}

/** METADATA for name==version with these Requires-Dist lines. */
const meta = (name: string, version: string, ...requiresDist: string[]): DistMetadata => ({ name, version, requiresDist, providesExtra: [] });

const REQUESTS = meta(
  "requests",
  "2.31.0",
  "charset-normalizer<4,>=2",
  "idna<4,>=2.5",
  "urllib3<3,>=1.21.1",
  "certifi>=2017.4.17",
  "PySocks!=1.5.7,>=1.5.6 ; extra == 'socks'",
  'pywin32 ; sys_platform == "win32"',
  'importlib-metadata ; python_version < "3.8"',
);
const LEAVES = [meta("charset-normalizer", "3.2.0"), meta("idna", "3.4"), meta("certifi", "2023.7.22"), meta("urllib3", "2.0.4"), meta("PySocks", "1.7.1")];
const BASE = ["charset-normalizer==3.2.0", "idna==3.4", "certifi==2023.7.22"];

const messages = (p: ClosurePin[], m: DistMetadata[]) => findClosureGaps({ pins: p, metadata: m, env }).map((g) => g.message);

describe("closure check", () => {
  it("passes when every dependency whose marker holds is pinned at a matching version", () => {
    expect(messages(pins("requests==2.31.0", ...BASE, "urllib3==2.0.4"), [REQUESTS, ...LEAVES])).toEqual([]);
  });

  it("checks a === pin against its METADATA by text; its non-PEP 440 version meets no range, only === or no clause", () => {
    const custom = meta("custom", "1.0-Custom");
    expect(messages(pins("custom===1.0-custom"), [custom])).toEqual([]);
    expect(messages(pins("custom===1.0"), [meta("custom", "1.0.0")])).toEqual(["custom===1.0: its wheel's METADATA says version 1.0.0"]);
    expect(messages(pins("app==1.0", "custom===1.0-custom"), [meta("app", "1.0", "custom"), custom])).toEqual([]);
    expect(messages(pins("app==1.0", "custom===1.0-custom"), [meta("app", "1.0", "custom===1.0-CUSTOM"), custom])).toEqual([]);
    expect(messages(pins("app==1.0", "custom===1.0-custom"), [meta("app", "1.0", "custom>=1"), custom])).toEqual([
      "app==1.0 needs custom>=1: pinned custom===1.0-custom does not match",
    ]);
    // A === pin of a PEP 440 version is an ordinary version for ranges.
    expect(messages(pins("app==1.0", "lib===2.0"), [meta("app", "1.0", "lib>=1"), meta("lib", "2.0")])).toEqual([]);
  });

  it("reports a missing dependency of a top-level pin", () => {
    expect(messages(pins("requests==2.31.0", ...BASE), [REQUESTS, ...LEAVES])).toEqual(["requests==2.31.0 needs urllib3<3,>=1.21.1: not pinned"]);
  });

  it("reports a pin whose version does not match, with the chain from the top-level pin", () => {
    const gaps = findClosureGaps({
      pins: pins("app==1.0", "requests==2.31.0", ...BASE, "urllib3==3.0.0"),
      metadata: [meta("app", "1.0", "requests>=2"), REQUESTS, ...LEAVES.filter((m) => m.name !== "urllib3"), meta("urllib3", "3.0.0")],
      env,
    });
    expect(gaps).toEqual([
      {
        file: "pinned.txt",
        line: 2,
        chain: ["app==1.0", "requests==2.31.0"],
        requirement: "urllib3<3,>=1.21.1",
        reason: "pinned urllib3==3.0.0 does not match",
        message: "app==1.0 › requests==2.31.0 needs urllib3<3,>=1.21.1: pinned urllib3==3.0.0 does not match",
      },
    ]);
  });

  it("follows extras: requested on the pin line, and requested by a dependent, transitively", () => {
    const p = pins("requests[socks]==2.31.0", ...BASE, "urllib3==2.0.4");
    expect(messages(p, [REQUESTS, ...LEAVES])).toEqual(["requests[socks]==2.31.0 needs PySocks!=1.5.7,>=1.5.6: not pinned"]);
    const chain = pins("a==1", "b==1", "c==1");
    const metas = [meta("a", "1", "b[x]"), meta("b", "1", "c[Y_Z] ; extra == 'x'", "d ; extra == 'other'"), meta("c", "1", "d>=2 ; extra == 'y-z'")];
    expect(messages(chain, metas)).toEqual(["a==1 › b==1 › c[y-z]==1 needs d>=2: not pinned"]);
    expect(messages(pins("a==1", "b==1", "c==1", "d==2.0"), [...metas, meta("d", "2.0")])).toEqual([]);
  });

  it("ignores extras nobody asked for and dependencies whose markers do not hold for the target", () => {
    expect(messages(pins("requests==2.31.0", ...BASE, "urllib3==2.0.4"), [REQUESTS, ...LEAVES])).toEqual([]);
    const arm = findClosureGaps({
      pins: pins("x==1"),
      metadata: [meta("x", "1", 'y ; platform_machine == "aarch64"')],
      env: { ...env, platform_machine: "aarch64" },
    });
    expect(arm.map((g) => g.message)).toEqual(["x==1 needs y: not pinned"]);
  });

  it("explains a dependency pinned only for another platform, and skips that pin's own dependencies", () => {
    const p = pins("x==1", 'y==2 ; sys_platform == "win32"');
    expect(messages(p, [meta("x", "1", "y"), meta("y", "2", "never-pinned")])).toEqual([
      'x==1 needs y: pinned y==2 only where sys_platform == "win32", which does not hold for the target',
    ]);
  });

  it("lets a pinned pre-release satisfy a range, as pip does for an explicit pin", () => {
    expect(messages(pins("a==1", "b==2.0rc1"), [meta("a", "1", "b>=1.0"), meta("b", "2.0rc1")])).toEqual([]);
  });

  it("checks each pin's own METADATA: present, same version, a Python the target has", () => {
    const p = pins("a==1", "b==2", "c==3");
    const got = messages(p, [{ ...meta("a", "1.0"), requiresPython: ">=3.12" }, meta("b", "2.1")]);
    expect(got).toEqual([
      "a==1: requires Python >=3.12, but the target has 3.11.2",
      "b==2: its wheel's METADATA says version 2.1",
      "c==3: no METADATA was read for it (is its wheel in the wheelhouse?)",
    ]);
  });

  it("reports unreadable Requires-Dist lines and markers it cannot evaluate", () => {
    expect(messages(pins("a==1"), [meta("a", "1", "not a requirement!", 'b ; os_name ~= "posix"')])).toEqual([
      'a==1 needs not a requirement!: cannot read it: invalid requirement "not a requirement!": invalid version specifier: "a requirement!" (expected e.g. ==1.2.3, >=1.0,<2, ~=1.4, !=1.5.*)',
      `a==1 needs b ; os_name ~= "posix": cannot evaluate its marker: cannot evaluate "posix" ~= "posix": ~= needs PEP 440 versions on both sides`,
    ]);
  });

  it("copes with dependency cycles", () => {
    const p = pins("a==1", "b==1");
    expect(messages(p, [meta("a", "1", "b", "zz"), meta("b", "1", "a")])).toEqual(["a==1 needs zz: not pinned"]);
  });

  it("throws a UserError with each gap at the line of the pin that has it", () => {
    expect(() =>
      checkClosure({ pins: pins("app==1.0", "requests==2.31.0", ...BASE), metadata: [meta("app", "1.0", "requests"), REQUESTS, ...LEAVES], env }),
    ).toThrow(UserError);
    try {
      checkClosure({ pins: pins("app==1.0", "requests==2.31.0", ...BASE), metadata: [meta("app", "1.0", "requests"), REQUESTS, ...LEAVES], env });
    } catch (e) {
      expect((e as UserError).problems).toEqual([{ file: "pinned.txt", line: 2, message: "app==1.0 › requests==2.31.0 needs urllib3<3,>=1.21.1: not pinned" }]);
      expect((e as Error).message).toContain("re-run pip-compile");
    }
    expect(() => checkClosure({ pins: pins("a==1"), metadata: [meta("a", "1")], env })).not.toThrow();
  });

  it("handles 500 pins with a few dependencies each (the size of a real application)", () => {
    const n = 500;
    const name = (i: number) => `pkg-${i}`;
    const all = pins(...Array.from({ length: n }, (_, i) => `${name(i)}${i % 7 === 0 ? "[extra]" : ""}==1.${i % 10}`));
    const metas = all.map((p, i) =>
      meta(
        p.name,
        p.version,
        ...[1, 2, 3].filter((d) => i + d * 17 < n).map((d) => `${name(i + d * 17)}>=1.0,<2 ; python_version >= "3.8"`),
        `${name((i * 31) % n)}[extra] ; extra == 'extra'`,
        `never-pinned-${i} ; sys_platform == "win32"`,
      ),
    );
    expect(findClosureGaps({ pins: all, metadata: metas, env })).toEqual([]);
    // Drop one pin that others need: every dependent is reported, once each.
    const dropped = name(100);
    const gaps = findClosureGaps({ pins: all.filter((p) => p.name !== dropped), metadata: metas, env });
    const dependents = metas.filter((m) => m.requiresDist.some((r) => r.startsWith(`${dropped}>=`))).map((m) => m.name);
    expect(dependents.length).toBeGreaterThan(0);
    expect(gaps.filter((g) => g.requirement.startsWith(`${dropped}<2,>=1.0`)).map((g) => g.chain.at(-1))).toEqual(
      dependents.map((d) => `${d}==${all.find((p) => p.name === d)!.version}`),
    );
  });
});
