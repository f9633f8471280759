// The nightly report as one static HTML page: no scripts, no external assets (CSS and the SVG chart inline).
import type { PackageDiff } from "../store/image-diff.js";
import type { NightlyReport } from "./types.js";

/** The entity of each character HTML reserves. */
const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** 12.3 MiB style sizes. */
function mib(n: number | undefined): string {
  return n === undefined ? "–" : `${(n / 1048576).toFixed(1)} MiB`;
}

/** One table from rows of cells (already escaped). */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  if (!rows.length) return "<p class=muted>none</p>";
  return `<table><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</table>`;
}

/** A package diff as rows: name, from, to. */
function packageRows(d: PackageDiff): string[][] {
  return [
    ...d.changed.map((c) => [esc(c.name), esc(c.from), `${esc(c.to)} <span class=muted>(${c.direction})</span>`]),
    ...d.added.map((a) => [esc(a.name), "<span class=muted>new</span>", esc(a.version)]),
    ...d.removed.map((r) => [esc(r.name), esc(r.version), "<span class=muted>removed</span>"]),
  ];
}

/**
 * A small line chart (inline SVG) of one series over the nights: points scaled to the series' maximum,
 * each labelled with its value, nights on the x axis.
 */
export function lineChart(o: {
  readonly title: string;
  readonly points: readonly { readonly night: string; readonly value: number }[];
  readonly unit: string;
}): string {
  const w = 520;
  const h = 160;
  const pad = 30;
  const pts = o.points;
  if (pts.length === 0) return "";
  const max = Math.max(...pts.map((p) => p.value), 1e-9);
  const x = (i: number) => (pts.length === 1 ? w / 2 : pad + (i * (w - 2 * pad)) / (pts.length - 1));
  const y = (v: number) => h - pad - (v / max) * (h - 2 * pad);
  const path = pts.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const dots = pts
    .map(
      (p, i) =>
        `<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3"/><text x="${x(i).toFixed(1)}" y="${(y(p.value) - 6).toFixed(1)}" text-anchor="middle">${esc(p.value.toFixed(1))}</text><text x="${x(i).toFixed(1)}" y="${h - 8}" text-anchor="middle">${esc(p.night.slice(4))}</text>`,
    )
    .join("");
  return `<figure><figcaption>${esc(o.title)} (${esc(o.unit)})</figcaption><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(o.title)}"><path d="${path}" fill="none" stroke="#2563eb" stroke-width="2"/>${dots}</svg></figure>`;
}

/** Links to every file of the night (relative, so the directory can be served or archived as it is). */
function fileList(r: NightlyReport): string {
  const files = Object.entries(r.files ?? {}).filter(([k]) => k !== "report.html");
  const reused = r.reusedFrom ? ` <span class=muted>(unchanged image: reused from ${esc(r.reusedFrom)})</span>` : "";
  return files.length ? `<h2>Files${reused}</h2><ul>${files.map(([k, f]) => `<li>${esc(k)}: <a href="${esc(f)}">${esc(f)}</a></li>`).join("")}</ul>` : "";
}

/** Renders this night's report plus the history (oldest first, this night included). */
export function renderReport(r: NightlyReport, history: readonly NightlyReport[]): string {
  const status = r.ok ? `<span class=ok>passed</span>` : `<span class=fail>FAILED at ${esc(r.failedStage ?? "?")}</span>`;
  const stageRows = r.stages.map((s) => [
    esc(s.name),
    s.ok ? (s.reused ? `reused (${esc(s.reused)})` : "ok") : "<b>failed</b>",
    `${s.seconds.toFixed(1)} s`,
    s.log ? `<a href="${esc(s.log)}">${esc(s.log)}</a>` : "",
  ]);
  const bakeRows = r.bakeStages.map((s) => [esc(s.name), `${s.seconds.toFixed(1)} s`]);
  const vmRows = (r.vmStages ?? []).map((s) => [esc(s.name), `${s.seconds.toFixed(1)} s`]);
  const sizeRows = Object.entries(r.sizes).map(([k, v]) => [esc(k), mib(v)]);
  const ch = r.changes;
  const changes = ch
    ? `<h2>Changes since ${esc(r.previous?.night ?? "")}</h2>
<h3>Debian packages</h3>${table(["package", "from", "to"], packageRows(ch.debs))}
<h3>Python packages</h3>${table(["package", "from", "to"], packageRows(ch.python))}
<h3>Checkouts</h3>${table(["checkout", "from", "to"], [...ch.checkouts.changed.map((c) => [esc(c.name), esc(c.from), esc(c.to)]), ...ch.checkouts.added.map((n) => [esc(n), "", "new"]), ...ch.checkouts.removed.map((n) => [esc(n), "removed", ""])])}
<p>Files: ${ch.files.added} added, ${ch.files.removed} removed, ${ch.files.changed} changed.</p>`
    : `<h2>Changes</h2><p class=muted>no previous successful nightly to compare with</p>`;
  const ok = history.filter((h) => h.ok);
  const charts = [
    lineChart({ title: "Template size", unit: "MiB", points: ok.map((h) => ({ night: h.night, value: (h.sizes.template ?? 0) / 1048576 })) }),
    lineChart({ title: "qcow2 size", unit: "MiB", points: ok.map((h) => ({ night: h.night, value: (h.sizes.qcow2 ?? 0) / 1048576 })) }),
    lineChart({ title: "Nightly wall time", unit: "s", points: history.map((h) => ({ night: h.night, value: h.totalSeconds })) }),
  ].join("");
  const boot = r.bootTest
    ? `<p>Boot test: ${r.bootTest.ok ? "ok" : "<b>failed</b>"} at stage <code>${esc(r.bootTest.stage)}</code> in ${r.bootTest.seconds.toFixed(0)} s (${esc([r.bootTest.accel, r.bootTest.hw, r.bootTest.firmware].filter(Boolean).join(", "))}); <a href="${esc(r.bootTest.log)}">serial log</a></p>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.recipe)} nightly ${esc(r.night)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#111}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
.ok{color:#15803d;font-weight:bold}.fail{color:#b91c1c;font-weight:bold}.muted{color:#666}
code{font-size:90%}svg text{font-size:10px;fill:#333}figure{display:inline-block;margin:.5em 1em .5em 0}
</style></head><body>
<h1>${esc(r.recipe)} nightly ${esc(r.night)}: ${status}</h1>
${r.error ? `<pre>${esc(r.error)}</pre>` : ""}
<p>Image <code>${esc(r.image ?? "–")}</code>${r.tag ? `, tag <code>${esc(r.tag)}</code>` : ""}; total ${r.totalSeconds.toFixed(1)} s.</p>
${boot}
<h2>Stages</h2>${table(["stage", "result", "time", "log"], stageRows)}
<h3>Bake stages${r.bakeResumedFrom ? ` <span class=muted>(resumed from the layer cache after ${esc(r.bakeResumedFrom)})</span>` : ""}</h3>${table(["stage", "time"], bakeRows)}
${vmRows.length ? `<h3>VM stages <span class=muted>(the boot test runs beside qcow2, vmdk, ova)</span></h3>${table(["stage", "time"], vmRows)}` : ""}
<h2>Sizes</h2>${table(["output", "size"], sizeRows)}
${fileList(r)}
${changes}
<h2>Last ${history.length} nights</h2>${charts}
${r.retired.length ? `<p class=muted>Retired: ${r.retired.map(esc).join(", ")}</p>` : ""}
</body></html>
`;
}
