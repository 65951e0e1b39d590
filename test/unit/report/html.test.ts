// report.html as a person sees it: headless Chromium (Debian's) opens the self-contained page with
// every host name unresolvable, and the screenshot must show, inside each plot's area, the series
// line, the fault windows shaded and the thresholds drawn. Fails (never skips) without chromium.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { plotColours } from "../../../runner/report/html.ts";
import { renderReports } from "../../../runner/report/render.ts";
import { copyRunDir } from "../../support/report-fixtures.ts";

const width = 1280;
const height = 3400;

function chromium(args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(
    "chromium",
    ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1", `--window-size=${width},${height}`,
      // No network: a page that needed a fetch would not draw.
      "--host-resolver-rules=MAP * ~NOTFOUND", ...args],
    { encoding: "utf8", timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.error) throw new Error(`chromium cannot run (${r.error.message}): install the Debian package chromium (scripts/bootstrap does)`);
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

type Rgb = readonly [number, number, number];
const hex = (h: string): Rgb => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as unknown as Rgb;
/** An rgba() colour as it looks over the white page. */
const overWhite = (rgba: string): Rgb => {
  const [r, g, b, a] = rgba.match(/[\d.]+/g)!.map(Number) as [number, number, number, number];
  return [r, g, b].map((c) => Math.round(255 - a * (255 - c))) as unknown as Rgb;
};

function countNear(png: PNG, area: [number, number, number, number], colour: Rgb, tolerance: number): number {
  const [x0, y0, w, h] = area;
  let n = 0;
  for (let y = y0; y < Math.min(y0 + h, png.height); y++) {
    for (let x = x0; x < Math.min(x0 + w, png.width); x++) {
      const i = (y * png.width + x) * 4;
      const d = Math.abs(png.data[i]! - colour[0]) + Math.abs(png.data[i + 1]! - colour[1]) + Math.abs(png.data[i + 2]! - colour[2]);
      if (d <= tolerance) n++;
    }
  }
  return n;
}

describe("report.html in headless Chromium", () => {
  it("is self-contained: no external script, style, font or image", () => {
    const { reports } = renderReports(copyRunDir("aborted"));
    const html = readFileSync(reports.html, "utf8");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src="(?!data:)|url\((?!data:)|@import/i);
    expect(html).toContain("default-src 'none'");
  });

  it("draws every probe's metric with the fault windows shaded and the thresholds drawn", { timeout: 180_000 }, () => {
    const { reports, report } = renderReports(copyRunDir("aborted"));
    const url = `file://${reports.html}`;
    const { stdout: dom, stderr } = chromium(["--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0", "--dump-dom", url]);
    // The page's own script ran without an error (the browser logs uncaught ones to stderr).
    expect(stderr.split("\n").filter((l) => /CONSOLE.*(Uncaught|Error)/.test(l))).toEqual([]);
    const areas = [...dom.matchAll(/id="plot-(\d+)"[^>]*data-plot-area="(\d+),(\d+),(\d+),(\d+)"/g)].map((m) => ({
      plot: report.plots[Number(m[1])]!,
      area: [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])] as [number, number, number, number],
    }));
    expect(areas.map((a) => a.plot.name)).toEqual(["error-rate", "p99-latency", "members-alive", "mesh-gossip-members", "mesh-leadership-transitions"]);

    const shot = join(dirname(reports.html), "screenshot.png");
    chromium(["--virtual-time-budget=5000", `--screenshot=${shot}`, url]);
    const png = PNG.sync.read(readFileSync(shot));
    expect([png.width, png.height]).toEqual([width, height]);

    for (const { plot, area } of areas) {
      expect(area[1] + area[3], `${plot.name} plot lies inside the screenshot`).toBeLessThanOrEqual(height);
      const line = plot.series.reduce((sum, _, i) => sum + countNear(png, area, hex(plotColours.series[i % plotColours.series.length]!), 60), 0);
      const shaded = countNear(png, area, overWhite(plotColours.faultWindow), 8);
      const background = countNear(png, area, [255, 255, 255], 0);
      expect(line, `${plot.name}: series line pixels`).toBeGreaterThan(150);
      // Two fault windows of 20.6 s and 5.7 s in a ~60 s axis: about 40 % of the area.
      expect(shaded / (area[2] * area[3]), `${plot.name}: share of the area shaded as fault window`).toBeGreaterThan(0.2);
      expect(background, `${plot.name}: plain background remains outside the windows`).toBeGreaterThan(area[2] * area[3] * 0.2);
      if (plot.threshold) expect(countNear(png, area, hex(plotColours.threshold), 60), `${plot.name}: steady-state threshold line`).toBeGreaterThan(100);
      if (plot.abort) expect(countNear(png, area, hex(plotColours.abort), 60), `${plot.name}: abort threshold line`).toBeGreaterThan(100);
    }
  });
});
