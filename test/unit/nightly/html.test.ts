import { describe, expect, it } from "vitest";
import { esc, lineChart, renderReport } from "../../../src/nightly/html.js";
import type { NightlyReport } from "../../../src/nightly/types.js";

const base: NightlyReport = {
  reportVersion: 1,
  night: "20261122",
  recipe: "toy-kat",
  ok: true,
  image: `sha256:${"a".repeat(64)}`,
  tag: "toy-kat-nightly-20261122",
  sizes: { template: 100 * 1048576, qcow2: 300 * 1048576 },
  stages: [{ name: "bake", ok: true, seconds: 60 }],
  bakeStages: [{ name: "bootstrap", seconds: 40 }],
  totalSeconds: 150,
  retired: [],
};

describe("nightly HTML report", () => {
  it("escapes everything that comes from outside", () => {
    expect(esc(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    const html = renderReport({ ...base, ok: false, failedStage: "boot test", error: "<script>alert(1)</script>" }, [base]);
    expect(html).not.toContain("<script>");
    expect(html).toContain("FAILED at boot test");
  });

  it("is self-contained: no external assets or scripts", () => {
    const html = renderReport(base, [base]);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
    expect(html).toContain("<svg");
  });

  it("shows what changed since the previous nightly", () => {
    const html = renderReport(
      {
        ...base,
        previous: { night: "20261121", image: `sha256:${"b".repeat(64)}` },
        changes: {
          debs: { added: [], removed: [], changed: [{ name: "libc6", from: "2.36-9", to: "2.36-9+deb12u1", direction: "upgrade" }] },
          python: { added: [{ name: "kat-new", version: "1.0" }], removed: [], changed: [] },
          checkouts: { added: [], removed: [], changed: [{ name: "devsim", fields: ["revision"], from: "440d814", to: "714be0a" }] },
          files: { added: 3, removed: 1, changed: 7 },
        },
      },
      [base],
    );
    expect(html).toContain("Changes since 20261121");
    expect(html).toMatch(/libc6<\/td><td>2\.36-9<\/td><td>2\.36-9\+deb12u1/);
    expect(html).toContain("kat-new");
    expect(html).toContain("714be0a");
    expect(html).toContain("3 added, 1 removed, 7 changed");
  });

  it("says after which layer a warm bake resumed, and nothing of the kind for a cold one", () => {
    expect(renderReport({ ...base, bakeResumedFrom: "checkouts" }, [base])).toContain("resumed from the layer cache after checkouts");
    expect(renderReport(base, [base])).not.toContain("resumed from the layer cache");
  });

  it("shows the vm stage's own steps when the VM was built, and no such table when it was reused", () => {
    const html = renderReport(
      {
        ...base,
        vmStages: [
          { name: "extract", seconds: 7.6 },
          { name: "vmdk", seconds: 28.3 },
        ],
      },
      [base],
    );
    expect(html).toContain("<h3>VM stages");
    expect(html).toMatch(/<td>vmdk<\/td><td>28\.3 s<\/td>/);
    expect(renderReport(base, [base])).not.toContain("VM stages");
  });

  it("charts one point per night, scaled to the largest", () => {
    const svg = lineChart({
      title: "t",
      unit: "s",
      points: [
        { night: "20261120", value: 10 },
        { night: "20261121", value: 20 },
      ],
    });
    expect(svg.match(/<circle/g)?.length).toBe(2);
    // The largest value sits at the top margin (y = 30), the half value halfway down the plot.
    expect(svg).toContain('cy="30.0"');
    expect(svg).toContain('cy="80.0"');
  });
});
