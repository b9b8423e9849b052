// The report page: one self-contained HTML file. The plotting library (Observable Plot, on d3) is
// inlined from its prebuilt browser bundles in node_modules, the data is embedded as JSON, and the
// page's own script is renderReport (client.ts) inlined as source: it opens offline, from file://.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { renderReport } from './client.js';
import type { ReportData } from './collect.js';
import { pageJson } from './data.js';

const require = createRequire(import.meta.url);

/** The folder of an installed package (its package.json's folder), found from its main entry. */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && (JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === name) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
}

/** The prebuilt browser (UMD) bundles, in load order: d3 first, then Plot (which reads the global d3). */
export const LIBRARY_BUNDLES = [
  { pkg: 'd3', file: 'dist/d3.min.js' },
  { pkg: '@observablehq/plot', file: 'dist/plot.umd.min.js' },
] as const;

let bundleCache: string | undefined;

function libraryScripts(): string {
  bundleCache ??= LIBRARY_BUNDLES.map(({ pkg, file }) => {
    const src = fs.readFileSync(path.join(packageDir(pkg), file), 'utf8');
    // a "</script" inside the code would end the element early
    return `<script>/* ${pkg}/${file} */\n${src.replace(/<\/script/gi, '<\\/script')}\n</script>`;
  }).join('\n');
  return bundleCache;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CSS = `
:root { --ink: #1f2328; --muted: #667085; --line: #e4e7ec; --bg: #f6f7f9; --card: #fff; --accent: #2f5d8a;
  --ok: #1b7f5f; --ok-bg: #e3f4ec; --bad: #b42318; --bad-bg: #fde8e6; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg); }
header { position: sticky; top: 0; z-index: 10; background: #14213d; color: #fff; padding: 12px 28px;
  display: flex; align-items: center; gap: 24px; flex-wrap: wrap; box-shadow: 0 1px 4px rgba(0,0,0,.25); }
header h1 { font-size: 20px; margin: 0; font-weight: 650; letter-spacing: .2px; }
header .meta { flex: 1; color: #c9d3e3; font-size: 12px; overflow-wrap: anywhere; }
header label { font-size: 13px; color: #e8edf5; }
header select { margin-left: 8px; font: inherit; padding: 4px 8px; border-radius: 6px; border: 1px solid #8aa0c0; }
main { max-width: 1240px; margin: 0 auto; padding: 8px 28px 48px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px 20px;
  margin-top: 20px; }
h2 { font-size: 17px; margin: 0 0 4px; color: var(--accent); }
p.lead, p.note { color: var(--muted); margin: 2px 0 12px; font-size: 13px; }
p.note { margin-top: 10px; }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; margin: 12px 0 18px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: #fbfcfd; }
.card-title { font-size: 12px; text-transform: uppercase; letter-spacing: .5px; color: var(--muted); }
.card-value { font-size: 26px; font-weight: 650; margin: 2px 0; font-variant-numeric: tabular-nums; }
.card-note { font-size: 12px; color: var(--muted); }
table.data { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
table.data th { text-align: left; font-weight: 600; color: #344054; background: #f2f4f7; border-bottom: 1px solid var(--line);
  padding: 7px 10px; white-space: nowrap; }
table.data.wrap-head th { white-space: normal; vertical-align: bottom; }
table.data td { padding: 6px 10px; border-bottom: 1px solid #f0f1f3; }
table.data tbody tr:nth-child(even) td { background: #fafbfc; }
table.data tbody tr:hover td { background: #eef4fb; }
table.data .num { text-align: right; white-space: nowrap; }
.table-wrap { overflow-x: auto; }
.table-wrap.scroll { max-height: 420px; overflow-y: auto; border-bottom: 1px solid var(--line); }
.table-wrap.scroll thead th { position: sticky; top: 0; z-index: 1; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 7px; vertical-align: -1px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.ok { color: var(--ok); background: var(--ok-bg); }
.badge.bad { color: var(--bad); background: var(--bad-bg); }
.bad-text { color: var(--bad); font-weight: 600; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 10px 28px; }
figure.panel { margin: 10px 0 0; min-width: 0; }
figure.panel figcaption { font-size: 13px; color: var(--muted); margin-bottom: 2px; }
figure.panel figcaption b { color: var(--ink); }
h3 { font-size: 14px; margin: 18px 0 2px; color: #344054; }
.plot { min-width: 0; }
details { margin-top: 8px; font-size: 13px; }
details li { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
footer { text-align: center; color: var(--muted); font-size: 12px; margin-top: 24px; }
svg[class^="plot"] { overflow: visible; }
`;

/** Every page carries this line: a report.html without it is not simrun's, and is never overwritten. */
export const REPORT_SIGNATURE = '<h1>simrun sweep report</h1>';

/** The whole page for `data`. */
export function reportHtml(data: ReportData): string {
  const title = escapeHtml(`${data.title} — ${path.basename(data.outDir)}`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${title}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  ${REPORT_SIGNATURE}
  <div class="meta" id="meta"></div>
  <label>Metric <select id="metric" aria-label="metric for ranking and heatmap"></select></label>
</header>
<main>
<section id="summary">
  <h2>Sweep summary</h2>
  <p class="lead">What was run, from the outputs' folders and <code>manifest.json</code>.</p>
  <div class="cards" id="cards"></div>
  <div class="table-wrap scroll" id="batches"></div>
</section>
<section id="distributions">
  <h2>Metric distributions by asset and direction</h2>
  <p class="lead" id="dist-lead"></p>
  <div class="grid2" id="dist"></div>
</section>
<section id="top">
  <h2>Top strategies by <span class="metric-name"></span></h2>
  <p class="lead">The ${data.topN} best strategies over all batches (strategies without a finite value are not ranked).
  Equity and drawdown from each strategy's daily returns.</p>
  <div class="table-wrap" id="top-table"></div>
  <h3>Equity</h3>
  <div class="plot" id="equity" data-plot="equity"></div>
  <h3>Drawdown</h3>
  <div class="plot" id="drawdown" data-plot="drawdown"></div>
</section>
<section id="heatmap">
  <h2>Parameters: take-profit × stop-loss, coloured by <span class="metric-name"></span></h2>
  <p class="lead" id="heatmap-note"></p>
  <div class="plot" id="heatmap-plot" data-plot="heatmap"></div>
</section>
<section id="agreement">
  <h2>Agreement with vectorbt</h2>
  <p class="lead">Our outputs compared with the reference outputs (vectorbt's) of each batch in the data root.</p>
  <div id="agreement-body"></div>
</section>
<footer>simrun · charts by Observable Plot</footer>
</main>
${libraryScripts()}
<script type="application/json" id="report-data">${pageJson(data)}</script>
<script>
var __name = function (f) { return f; };
(${renderReport.toString()})(JSON.parse(document.getElementById('report-data').textContent), Plot, d3, document);
</script>
</body>
</html>
`;
}
