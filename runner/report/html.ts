// report.html: one self-contained page (no network fetch: uPlot's JS and CSS are inlined) with the
// verdict, the tables of the summary, and every probe's metric over the run as a plot: fault
// windows shaded, steady-state and abort thresholds drawn, phases marked.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { formatMs, formatThreshold, formatValue } from "./judge.ts";
import type { Report } from "./model.ts";

/** Colours the page draws with; the screenshot test looks for them. */
export const plotColours = {
  series: ["#1f6feb", "#2f9e44", "#9c36b5", "#e8590c", "#0c8599"],
  threshold: "#f59f00",
  abort: "#e03131",
  faultWindow: "rgba(250, 82, 82, 0.16)",
  phase: "#868e96",
} as const;

function uplotAssets(): { js: string; css: string } {
  const dist = dirname(createRequire(import.meta.url).resolve("uplot"));
  return { js: readFileSync(join(dist, "uPlot.iife.min.js"), "utf8"), css: readFileSync(join(dist, "uPlot.min.css"), "utf8") };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
// Inside <script>: no "</script>" or "<!--" can end it early.
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, "\\u003c");
const clock = (iso: string | null): string => (iso ? iso.replace(/^\d{4}-\d{2}-\d{2}T/, "").replace(/Z$/, "") : "—");

/** The page's own script: draws every plot with uPlot from the embedded report. */
const drawScript = String.raw`
(function () {
  var report = JSON.parse(document.getElementById("report-data").textContent);
  var colours = JSON.parse(document.getElementById("plot-colours").textContent);
  var sec = function (iso) { return Date.parse(iso) / 1000; };
  var windows = report.faults.filter(function (f) { return f.appliedAt; }).map(function (f) {
    return { from: sec(f.appliedAt), to: f.revertedAt ? sec(f.revertedAt) : sec(report.run.endedAt), label: f.kind };
  });
  var phases = report.phases.map(function (p) { return { at: sec(p.startedAt), label: p.phase + (p.step === null ? "" : " " + p.step) }; });
  // The abort: the breaching sample's own time and the decision, on every plot.
  var marks = [];
  if (report.abort) {
    if (report.abort.sampleAt) marks.push({ at: sec(report.abort.sampleAt), label: "breach sample" });
    marks.push({ at: sec(report.abort.at), label: "abort" });
  }
  report.plots.forEach(function (plot, index) {
    var el = document.getElementById("plot-" + index);
    var xs = [];
    var seen = {};
    plot.series.forEach(function (s) { s.points.forEach(function (p) { if (!seen[p[0]]) { seen[p[0]] = 1; xs.push(p[0]); } }); });
    xs.sort(function (a, b) { return a - b; });
    var data = [xs].concat(plot.series.map(function (s) {
      var byT = {};
      s.points.forEach(function (p) { byT[p[0]] = p[1]; });
      return xs.map(function (t) { return t in byT ? byT[t] : null; });
    }));
    var lines = [];
    if (plot.threshold) lines.push({ value: plot.threshold.value, colour: colours.threshold, label: "steady " + plot.threshold.op + " " + plot.threshold.value });
    if (plot.abort) lines.push({ value: plot.abort.value, colour: colours.abort, label: "abort " + plot.abort.op + " " + plot.abort.value });
    var xMin = Math.min(sec(report.run.startedAt), xs.length ? xs[0] : Infinity);
    var xMax = Math.max(sec(report.run.endedAt), xs.length ? xs[xs.length - 1] : -Infinity);
    var opts = {
      width: el.clientWidth || 1100,
      height: 260,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: {
        x: { time: true, range: function () { return [xMin, xMax]; } },
        y: {
          range: function (u, min, max) {
            var lo = min, hi = max;
            lines.forEach(function (l) { lo = Math.min(lo, l.value); hi = Math.max(hi, l.value); });
            if (lo === null || !isFinite(lo)) { lo = 0; hi = 1; }
            if (lo === hi) { hi = lo + 1; }
            var pad = (hi - lo) * 0.08;
            return [lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
          },
        },
      },
      series: [{ label: "time (UTC)" }].concat(plot.series.map(function (s, i) {
        return { label: s.label, stroke: colours.series[i % colours.series.length], width: 2, spanGaps: false };
      })),
      axes: [{}, { size: 70 }],
      legend: { live: false },
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
          ctx.save();
          ctx.fillStyle = colours.faultWindow;
          windows.forEach(function (w) {
            var x0 = u.valToPos(w.from, "x", true), x1 = u.valToPos(w.to, "x", true);
            ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
          });
          ctx.restore();
        }],
        draw: [function (u) {
          var ctx = u.ctx, b = u.bbox, dpr = window.devicePixelRatio || 1;
          ctx.save();
          // uPlot leaves its axis text alignment on the context.
          ctx.textAlign = "left"; ctx.textBaseline = "alphabetic";
          ctx.font = (11 * dpr) + "px sans-serif";
          phases.forEach(function (p) {
            var x = Math.round(u.valToPos(p.at, "x", true));
            ctx.strokeStyle = colours.phase; ctx.lineWidth = 1 * dpr; ctx.setLineDash([2 * dpr, 3 * dpr]);
            ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
            ctx.save(); ctx.translate(x + 3 * dpr, b.top + 4 * dpr); ctx.rotate(Math.PI / 2); ctx.textBaseline = "top";
            ctx.fillStyle = colours.phase; ctx.fillText(p.label, 0, 0); ctx.restore();
          });
          marks.forEach(function (m, i) {
            var x = Math.round(u.valToPos(m.at, "x", true));
            ctx.strokeStyle = colours.abort; ctx.lineWidth = 1 * dpr; ctx.setLineDash([]);
            ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
            ctx.fillStyle = colours.abort;
            ctx.fillText(m.label, i === 0 ? x - ctx.measureText(m.label).width - 3 * dpr : x + 3 * dpr, b.top + b.height - 6 * dpr);
          });
          lines.forEach(function (l) {
            var y = Math.round(u.valToPos(l.value, "y", true));
            ctx.strokeStyle = l.colour; ctx.lineWidth = 2 * dpr; ctx.setLineDash([8 * dpr, 5 * dpr]);
            ctx.beginPath(); ctx.moveTo(b.left, y); ctx.lineTo(b.left + b.width, y); ctx.stroke();
            ctx.fillStyle = l.colour; ctx.fillText(l.label, b.left + b.width - ctx.measureText(l.label).width - 4 * dpr, y - 4 * dpr);
          });
          ctx.restore();
        }],
      },
    };
    // Where the plotting area is on the page (CSS px), once drawn: lets a screenshot be checked plot by plot.
    opts.hooks.draw.push(function (u) {
      var c = u.ctx.canvas.getBoundingClientRect(), b = u.bbox, dpr = window.devicePixelRatio || 1;
      el.setAttribute("data-plot-area", [c.left + window.scrollX + b.left / dpr, c.top + window.scrollY + b.top / dpr, b.width / dpr, b.height / dpr].map(Math.round).join(","));
    });
    new uPlot(opts, data, el);
  });
  document.body.setAttribute("data-plots-rendered", String(report.plots.length));
})();
`;

const verdictColour = { passed: "#2f9e44", failed: "#e03131", aborted: "#e8590c" } as const;

function tables(r: Report): string {
  const ok = (pass: boolean) => `<td class="${pass ? "pass" : "fail"}">${pass ? "pass" : "fail"}</td>`;
  const probeRows = r.probes
    .map((p) => {
      const b = p.firstBreach ?? p.firstNoData;
      return `<tr><td>${esc(p.name)}</td>${ok(p.pass)}<td>${p.threshold ? esc(formatThreshold(p.threshold)) : "—"}</td><td>${p.abort ? esc(formatThreshold(p.abort)) : "—"}</td><td>${p.samples}</td><td>${p.passes}</td><td>${p.fails}</td><td>${p.noData}</td><td>${esc(formatValue(p.min))} … ${esc(formatValue(p.max))}</td><td>${b ? `${esc(formatValue(b.value))}: sampled ${clock(b.sampleAt)}, decided ${clock(b.at)}` : "—"}</td></tr>`;
    })
    .join("\n");
  const sloRows = r.slos
    .map((s) => `<tr><td>${esc(s.name)}</td><td>${s.step}</td>${ok(s.pass)}<td>${s.measuredMs === null ? "did not converge" : formatMs(s.measuredMs)}</td><td>${formatMs(s.withinMs)}</td></tr>`)
    .join("\n");
  const faultRows = r.faults
    .map((f) => `<tr><td>${f.step}</td><td>${esc(f.kind)}</td><td>${esc(f.mechanism ?? "—")}</td><td>${esc(f.targets.join(", "))}</td><td>${clock(f.appliedAt)}</td><td>${clock(f.revertedAt)}</td><td>${formatMs(f.heldMs)}</td><td class="${f.status === "reverted" || f.status === "planned" ? "pass" : "fail"}">${esc(f.status)}</td></tr>`)
    .join("\n");
  const phaseRows = r.phases.map((p) => `<tr><td>${p.phase}</td><td>${p.step ?? "—"}</td><td>${clock(p.startedAt)}</td><td>${formatMs(p.durationMs)}</td></tr>`).join("\n");
  return `
<h2>Steady-state hypothesis</h2>
<table><tr><th>probe</th><th>result</th><th>threshold</th><th>abort at</th><th>samples</th><th>pass</th><th>fail</th><th>no data</th><th>range</th><th>first breach</th></tr>
${probeRows}</table>
${r.slos.length ? `<h2>SLOs</h2><table><tr><th>SLO</th><th>step</th><th>result</th><th>measured</th><th>within</th></tr>\n${sloRows}</table>` : ""}
<h2>Faults</h2>
<table><tr><th>step</th><th>fault</th><th>mechanism</th><th>targets</th><th>applied (agent)</th><th>reverted (agent)</th><th>held</th><th>status</th></tr>
${faultRows}</table>
<h2>Phases</h2>
<table><tr><th>phase</th><th>step</th><th>start (UTC)</th><th>duration</th></tr>
${phaseRows}</table>`;
}

export function reportHtml(r: Report): string {
  const { js, css } = uplotAssets();
  const a = r.abort;
  const abortBlock = a
    ? `<div class="abort"><strong>Aborted during ${a.phase}:</strong> ${esc(a.reason)}<br>` +
      (a.sampleAt ? `breach sample ${clock(a.sampleAt)} → abort ${formatMs(a.breachToAbortMs)} → ` : "") +
      (a.unreverted.length ? `<span class="fail">not verified reverted: ${esc(a.unreverted.join(", "))}</span>` : `every fault verified reverted ${formatMs(a.sampleAt ? a.breachToAllRevertedMs : a.abortToAllRevertedMs)}${a.sampleAt ? " after the breach sample" : " after the abort"}`) +
      `</div>`
    : "";
  const plots = r.plots
    .map((p, i) => `<section class="plot"><h3>${esc(p.name)}${p.kind === "mesh" ? " (mesh)" : ""}</h3><div class="query">${esc(p.query)}</div>${p.error ? `<div class="fail">range not captured: ${esc(p.error)}</div>` : ""}<div id="plot-${i}" class="chart"></div></section>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(r.run.scenario)} ${esc(r.run.version)}: ${r.verdict}</title>
<style>${css}</style>
<style>
body { font-family: sans-serif; margin: 24px; color: #212529; background: #ffffff; max-width: 1200px; }
.verdict { font-size: 22px; font-weight: bold; color: ${verdictColour[r.verdict]}; }
.abort { border-left: 4px solid ${plotColours.abort}; padding: 8px 12px; margin: 12px 0; background: #fff5f5; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
td, th { border: 1px solid #dee2e6; padding: 3px 8px; text-align: left; }
td.pass { color: #2f9e44; } td.fail, span.fail, div.fail { color: #e03131; font-weight: bold; }
.plot { margin: 18px 0; } .plot h3 { margin: 4px 0; } .query { font-family: monospace; font-size: 11px; color: #495057; margin-bottom: 4px; }
.legend-key { display: inline-block; width: 14px; height: 10px; margin: 0 4px 0 12px; }
</style>
</head>
<body>
<h1>${esc(r.run.scenario)} <small>${esc(r.run.version)}</small></h1>
<div class="verdict">${r.verdict.toUpperCase()}</div>
<ul>${r.reasons.map((x) => `<li>${esc(x)}</li>`).join("")}</ul>
<p>Run <code>${esc(r.run.runId)}</code> on stack <code>${esc(r.run.envStack)}</code>${r.run.dryRun ? " (dry run)" : ""}, ${esc(r.run.startedAt)} → ${esc(r.run.endedAt)} (${formatMs(r.run.durationMs)}); definition <code>${esc(r.run.definitionHash)}</code>.</p>
${abortBlock}
<h2>Metrics over the run</h2>
<p>Key: <span class="legend-key" style="background:${plotColours.faultWindow}"></span>fault active (agent apply → agent revert)
<span class="legend-key" style="background:${plotColours.threshold}"></span>steady-state threshold
<span class="legend-key" style="background:${plotColours.abort}"></span>abort threshold
<span class="legend-key" style="background:${plotColours.phase}"></span>phase start. Times in UTC.</p>
${plots}
${tables(r)}
<script id="report-data" type="application/json">${scriptJson(r)}</script>
<script id="plot-colours" type="application/json">${scriptJson(plotColours)}</script>
<script>${js}</script>
<script>${drawScript}</script>
</body>
</html>
`;
}
