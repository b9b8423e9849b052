// The report page's script. `renderReport` runs in the browser: html.ts inlines its source text
// (`renderReport.toString()`) after the Observable Plot and d3 bundles and calls it with the embedded
// data. It must therefore be self-contained: no imports at run time, nothing from outside its body.
import type { Agreement, ReportData } from './collect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export function renderReport(data: ReportData, Plot: any, d3: any, doc: Document): void {
  // ------------------------------------------------------------------------------------------
  // Values and formats

  type Raw = number | string | null;
  const num = (v: Raw): number => (v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
  const finite = (v: Raw): boolean => Number.isFinite(num(v));

  const LABELS: Record<string, string> = {
    sharpe: 'Sharpe ratio', sortino: 'Sortino ratio', calmar: 'Calmar ratio', total_return: 'Total return',
    max_drawdown: 'Max drawdown', win_rate: 'Win rate', profit_factor: 'Profit factor', expectancy: 'Expectancy',
    total_pnl: 'Total PnL', closed_trades: 'Closed trades', end_value: 'End value', total_fees: 'Total fees',
    open_trades: 'Open trades', best_trade_return: 'Best trade', worst_trade_return: 'Worst trade',
  };
  const PERCENT = new Set(['total_return', 'max_drawdown', 'win_rate', 'best_trade_return', 'worst_trade_return']);
  const MONEY = new Set(['total_pnl', 'expectancy', 'end_value', 'total_fees']);
  const INTEGER = new Set(['closed_trades', 'open_trades']);
  const label = (m: string) => LABELS[m] ?? m;

  const intFmt = (n: number) => n.toLocaleString('en-US');
  function special(x: number): string | null {
    if (Number.isNaN(x)) return '—';
    if (x === Infinity) return '∞';
    if (x === -Infinity) return '−∞';
    return null;
  }
  function fmtMetric(metric: string, v: Raw): string {
    const x = num(v);
    const s = special(x);
    if (s !== null) return s;
    if (PERCENT.has(metric)) return `${(x * 100).toFixed(2)}%`;
    if (MONEY.has(metric)) return x.toLocaleString('en-US', { maximumFractionDigits: Math.abs(x) < 100 ? 2 : 0 });
    if (INTEGER.has(metric)) return intFmt(x);
    return x.toFixed(2);
  }
  const axisFormat = (metric: string) => (PERCENT.has(metric) ? (x: number) => `${+(x * 100).toFixed(1)}%` : undefined);
  function fmtStop(v: Raw): string {
    const x = num(v);
    return Number.isNaN(x) ? 'off' : `${+(x * 100).toFixed(3)}%`;
  }
  function fmtSeconds(s: number): string {
    if (s < 60) return `${s.toFixed(1)} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
    return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  }
  const dayDate = (day: number) => new Date(day * 86_400_000);

  const DIRECTIONS = ['long', 'short', 'longshort'];
  const DIRECTION_COLORS = ['#1b9e77', '#d95f02', '#7570b3'];
  const directionColor = (d: string) => DIRECTION_COLORS[Math.max(0, DIRECTIONS.indexOf(d))];
  const RANK_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
    '#9c755f', '#bab0ac'];
  const rankColor = (i: number) => RANK_COLORS[i % RANK_COLORS.length];

  // ------------------------------------------------------------------------------------------
  // DOM helpers

  function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {},
    ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
    const e = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null) e.append(c);
    return e;
  }
  const byId = (id: string) => doc.getElementById(id)!;
  function table(headers: string[], rows: (Node | string)[][], attrs: Record<string, string> = {}, numeric: boolean[] = []) {
    const t = el('table', attrs);
    t.append(el('thead', {}, el('tr', {}, ...headers.map((h, i) => el('th', numeric[i] ? { class: 'num' } : {}, h)))));
    const body = el('tbody');
    for (const r of rows) body.append(el('tr', {}, ...r.map((c, i) => el('td', numeric[i] ? { class: 'num' } : {}, c))));
    t.append(body);
    return t;
  }
  const widthOf = (e: HTMLElement) => Math.max(320, Math.floor(e.getBoundingClientRect().width));
  function mount(target: HTMLElement, figure: Element) {
    target.replaceChildren(figure);
  }

  const S = data.strategies;
  const batchOf = (r: number) => data.batches[S.batch[r]];
  const groupOf = (r: number) => `${batchOf(r).asset} · ${batchOf(r).direction}`;

  // ------------------------------------------------------------------------------------------
  // Header and metric selector

  byId('meta').textContent = `outputs ${data.outDir} · generated ${data.generatedAt.replace('T', ' ').slice(0, 19)} UTC` +
    (data.dataRoot ? ` · reference data ${data.dataRoot}` : '');
  const select = byId('metric') as HTMLSelectElement;
  for (const m of data.metrics) select.append(el('option', { value: m, text: label(m) }));
  select.value = data.defaultMetric;

  // ------------------------------------------------------------------------------------------
  // Summary

  function renderSummary() {
    const s = data.summary;
    const card = (key: string, title: string, value: string, note: string) =>
      el('div', { class: 'card' }, el('div', { class: 'card-title', text: title }),
        el('div', { class: 'card-value', 'data-summary': key, text: value }), el('div', { class: 'card-note', text: note }));
    const days = data.curves.length ? data.curves[0].days : [];
    const agreementValue = s.comparedBatches ? `${s.identicalBatches}/${s.comparedBatches}` : '—';
    const agreementNote = s.comparedBatches
      ? `batches identical to vectorbt · seed criteria pass in ${s.seedPassingBatches}/${s.comparedBatches}`
      : 'no reference outputs found for these batches';
    byId('cards').replaceChildren(
      card('batches', 'Batches', intFmt(s.batches), `${new Set(data.batches.map((b) => b.asset)).size} asset(s), ` +
        `${new Set(data.batches.map((b) => b.direction)).size} direction(s)`),
      card('strategies', 'Strategies', intFmt(s.strategies), 'one metrics row each'),
      card('trades', 'Trades', intFmt(s.trades), days.length ? `${days.length} days of daily returns` : ''),
      card('seconds', 'Compute time', s.seconds === null ? '—' : fmtSeconds(s.seconds),
        s.manifest ? `from manifest.json (${s.timedBatches}/${s.batches} batches timed)` : 'no manifest.json: not recorded'),
      card('agreement', 'vectorbt agreement', agreementValue, agreementNote),
    );
    const agreementOf = new Map(data.agreement.map((a) => [a.batch, a]));
    const rows = data.batches.map((b) => {
      const a = agreementOf.get(b.name);
      const verdict = !a ? el('span', { class: 'muted', text: 'no reference' })
        : el('span', { class: a.ok ? 'badge ok' : 'badge bad', text: a.ok ? 'identical' : 'differs' });
      return [
        el('span', { class: 'batch' }, el('i', { class: 'swatch', style: `background:${directionColor(b.direction)}` }), b.name),
        intFmt(b.strategies), intFmt(b.trades), b.seconds === null ? '—' : b.seconds.toFixed(2),
        b.finishedAt ? b.finishedAt.replace('T', ' ').slice(0, 19) : '—', verdict,
      ];
    });
    byId('batches').replaceChildren(table(['Batch', 'Strategies', 'Trades', 'Seconds', 'Finished (UTC)', 'vectorbt'],
      rows, { class: 'data', id: 'batch-table' }, [false, true, true, true, false, false]));
  }

  // ------------------------------------------------------------------------------------------
  // Distributions

  function renderDistributions() {
    const host = byId('dist');
    host.replaceChildren();
    // one tick per strategy while there are few enough to tell apart (and to keep the page light);
    // the quantiles come computed from Node
    const MAX_TICKS = 5000;
    const ticks = S.name.length <= MAX_TICKS;
    byId('dist-lead').textContent = (ticks ? 'One tick per strategy; the ' : 'The ') + 'shaded band spans the middle ' +
      'half of the strategies (25th–75th percentile), the line the 5th–95th percentile, the dark tick is the median.';
    // all panels first, so that each is measured at its final width in the grid
    const boxes = data.distributionMetrics.map((metric) => {
      const box = el('figure', { class: 'panel', 'data-plot': `dist-${metric}` });
      host.append(box);
      return box;
    });
    data.distributionMetrics.forEach((metric, i) => {
      const box = boxes[i];
      const stats = data.distributions[metric].filter((g) => g.n > 0)
        .map((g) => ({ ...g, p05: num(g.p05), p25: num(g.p25), p50: num(g.p50), p75: num(g.p75), p95: num(g.p95) }));
      const groups = data.distributions[metric].map((g) => g.group);
      const dropped = data.distributions[metric].reduce((n, g) => n + g.nonFinite, 0);
      const rows: { group: string; direction: string; value: number }[] = [];
      if (ticks) {
        (S.metrics as Record<string, Raw[]>)[metric].forEach((v, r) => {
          if (finite(v)) rows.push({ group: groupOf(r), direction: batchOf(r).direction, value: num(v) });
        });
      }
      const xs = ticks ? rows.map((d) => d.value) : stats.flatMap((g) => [g.p05, g.p95]);
      const lo = xs.length ? Math.min(...xs) : 0;
      const hi = xs.length ? Math.max(...xs) : 0;
      const fig = Plot.plot({
        width: widthOf(box), height: 46 + groups.length * 30, marginLeft: 118, marginRight: 16,
        style: { fontSize: '12px' },
        x: { label: label(metric), grid: true, tickFormat: axisFormat(metric), nice: true, domain: xs.length ? [lo, hi] : undefined },
        y: { label: null, domain: groups },
        color: { domain: DIRECTIONS, range: DIRECTION_COLORS },
        marks: [
          lo < 0 && hi > 0 ? Plot.ruleX([0], { stroke: '#999' }) : null,
          Plot.ruleY(stats, { x1: 'p05', x2: 'p95', y: 'group', stroke: 'direction', strokeWidth: 1.5 }),
          Plot.barX(stats, { x1: 'p25', x2: 'p75', y: 'group', fill: 'direction', fillOpacity: 0.22, inset: 4 }),
          ticks ? Plot.tickX(rows, { x: 'value', y: 'group', stroke: 'direction', strokeOpacity: 0.55, inset: 6 }) : null,
          Plot.tickX(stats, {
            x: 'p50', y: 'group', stroke: '#222', strokeWidth: 2.5, inset: 2,
            channels: { strategies: 'n' }, tip: true,
          }),
        ],
      });
      box.append(el('figcaption', {}, el('b', { text: label(metric) }),
        dropped ? ` · ${dropped} non-finite value(s) not shown` : ''), fig);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Top strategies: table, equity curves, drawdowns

  function renderTop(metric: string) {
    for (const e of Array.from(doc.querySelectorAll('.metric-name'))) e.textContent = label(metric);
    const top = (data.top as Record<string, number[]>)[metric];
    const curveOf = new Map(data.curves.map((c) => [c.row, c]));
    const shown = ['total_return', 'sharpe', 'max_drawdown', 'win_rate', 'closed_trades'].filter((m) => m !== metric);
    const name = (r: number) => `${batchOf(r).name} ${S.name[r]}`;
    const rows = top.map((r, i) => [
      el('span', {}, el('i', { class: 'swatch', style: `background:${rankColor(i)}` }), String(i + 1)),
      batchOf(r).name, S.name[r], fmtStop(S.tp[r]), fmtStop(S.sl[r]), fmtStop(S.tsl[r]),
      el('b', { text: fmtMetric(metric, (S.metrics as Record<string, Raw[]>)[metric][r]) }),
      ...shown.map((m) => fmtMetric(m, (S.metrics as Record<string, Raw[]>)[m][r])),
    ]);
    byId('top-table').replaceChildren(rows.length
      ? table(['#', 'Batch', 'Strategy', 'TP', 'SL', 'TSL', label(metric), ...shown.map(label)], rows,
        { class: 'data', id: 'top-strategies' }, [false, false, false, true, true, true, true, ...shown.map(() => true)])
      : el('p', { class: 'muted', text: `No strategy has a finite ${label(metric)}.` }));

    const points: { key: string; date: Date; equity: number; drawdown: number }[] = [];
    const keys = top.map(name);
    top.forEach((r, i) => {
      const c = curveOf.get(r);
      if (!c) return;
      c.days.forEach((day, d) => points.push({ key: keys[i], date: dayDate(day), equity: num(c.equity[d]), drawdown: num(c.drawdown[d]) }));
    });
    const color = { domain: keys, range: keys.map((_, i) => rankColor(i)) };
    const eqHost = byId('equity');
    const ddHost = byId('drawdown');
    if (!points.length) {
      eqHost.replaceChildren();
      ddHost.replaceChildren();
      return;
    }
    const start = num(S.metrics.end_value[top[0]]) - num(S.metrics.total_pnl[top[0]]);
    mount(eqHost, Plot.plot({
      width: widthOf(eqHost), height: 320, marginLeft: 70, style: { fontSize: '12px' },
      x: { label: null, type: 'utc' },
      y: { label: 'Equity', grid: true },
      color,
      marks: [
        Plot.ruleY([start], { stroke: '#999', strokeDasharray: '4,3' }),
        Plot.lineY(points, { x: 'date', y: 'equity', stroke: 'key', strokeWidth: 1.6, tip: true }),
      ],
    }));
    mount(ddHost, Plot.plot({
      width: widthOf(ddHost), height: 200, marginLeft: 70, style: { fontSize: '12px' },
      x: { label: null, type: 'utc' },
      y: { label: 'Drawdown', grid: true, tickFormat: (x: number) => `${+(x * 100).toFixed(1)}%`, domain: [Math.min(-0.001, d3.min(points, (p: any) => p.drawdown)), 0] },
      color,
      marks: [
        Plot.lineY(points, { x: 'date', y: 'drawdown', stroke: 'key', strokeWidth: 1.2, tip: true }),
        Plot.ruleY([0], { stroke: '#999' }),
      ],
    }));
  }

  // ------------------------------------------------------------------------------------------
  // Heatmap: tp × sl per direction

  function renderHeatmap(metric: string) {
    const h = (data.heatmaps as Record<string, ReportData['heatmaps']['sharpe']>)[metric];
    const host = byId('heatmap-plot');
    const directions = DIRECTIONS.filter((d) => h.cells.some((c) => c.direction === d));
    const cells = h.cells.map((c) => ({ ...c, value: c.median === null ? NaN : num(c.median) }));
    // the colour domain spans the 5th–95th percentile of the cells (clamped), so that one extreme
    // cell does not wash out all the others
    const values = cells.map((c) => c.value).filter(Number.isFinite).sort((a, b) => a - b);
    let lo = values.length ? d3.quantileSorted(values, 0.05) : 0;
    let hi = values.length ? d3.quantileSorted(values, 0.95) : 1;
    if (!(hi > lo)) {
      lo = values.length ? values[0] : 0;
      hi = values.length && values[values.length - 1] > lo ? values[values.length - 1] : lo + 1;
    }
    const diverging = lo < 0 && hi > 0;
    const legendLabel = `median ${label(metric)}`;
    const colorScale = diverging
      ? { type: 'diverging', scheme: 'rdylgn', pivot: 0, symmetric: true, domain: [lo, hi], clamp: true,
        legend: true, label: legendLabel, tickFormat: axisFormat(metric) }
      : { type: 'linear', scheme: 'viridis', domain: [lo, hi], clamp: true, legend: true, label: legendLabel,
        tickFormat: axisFormat(metric) };
    // cells whose colour is dark get white text: both ends of the diverging scheme, the low end of viridis
    const isDark = (v: number) => {
      if (!Number.isFinite(v)) return false;
      if (diverging) return Math.abs(v) >= 0.6 * Math.max(Math.abs(lo), Math.abs(hi));
      return (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo) < 0.45;
    };
    const facetWidth = Math.max(260, Math.floor(widthOf(host) / Math.max(1, directions.length)));
    const fig = Plot.plot({
      width: Math.min(widthOf(host), facetWidth * directions.length), height: 120 + h.slLabels.length * 34,
      marginLeft: 76, marginBottom: 62, marginTop: 28, style: { fontSize: '11px' },
      padding: 0,
      fx: { domain: directions, label: null, padding: 0.08 },
      x: { domain: h.tpLabels, label: 'take-profit (tp_stop)', tickRotate: -35 },
      y: { domain: h.slLabels, label: 'stop-loss (sl_stop)', reverse: true },
      color: colorScale,
      marks: [
        Plot.frame({ stroke: '#ddd' }),
        Plot.cell(cells, { x: 'tp', y: 'sl', fx: 'direction', fill: '#eee', inset: 0.5 }),
        Plot.cell(cells.filter((c) => Number.isFinite(c.value)), {
          x: 'tp', y: 'sl', fx: 'direction', fill: 'value', inset: 0.5,
          channels: { strategies: 'count', finite: 'finite' }, tip: true,
        }),
        Plot.text(cells, {
          x: 'tp', y: 'sl', fx: 'direction', text: (c: any) => (Number.isFinite(c.value) ? fmtMetric(metric, c.value) : '—'),
          fill: (c: any) => (isDark(c.value) ? 'white' : '#1f2328'), fontSize: 10,
        }),
      ],
    });
    host.replaceChildren(fig);
    byId('heatmap-note').textContent = `Each cell: the median ${label(metric)} of the strategies whose take-profit and ` +
      `stop-loss fall in it (grey: no finite value; hover for counts). ` +
      (h.binned ? 'Stops take many distinct values here, so they are grouped in equal-width ranges. ' : '') +
      '"off": that stop is not set.';
  }

  // ------------------------------------------------------------------------------------------
  // Agreement with vectorbt

  function renderAgreement() {
    const host = byId('agreement-body');
    const a = data.agreement;
    if (!a.length) {
      host.replaceChildren(el('p', { class: 'muted', text: data.dataRoot
        ? `No reference outputs (trades.parquet) for these batches under ${data.dataRoot}.`
        : 'No reference data root given.' }));
      return;
    }
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const ofN = (k: number | null, n: number | null) => (k === null || n === null ? '—' : `${intFmt(k)} / ${intFmt(n)}`);
    const bad = (k: number | null, n: number | null) => el('span', { class: k ? 'bad-text' : '', text: ofN(k, n) });
    const rows = a.map((x: Agreement) => [
      x.batch,
      el('span', { class: x.ok ? 'badge ok' : 'badge bad', text: x.ok ? 'identical' : 'differs' }),
      `${x.strategiesExact}/${x.strategies}`,
      `${intFmt(x.ourTrades)} / ${intFmt(x.referenceTrades)}`,
      el('span', { class: x.mismatchedRecords ? 'bad-text' : '', text: intFmt(x.mismatchedRecords) }),
      ofN(x.bitIdenticalFloats, x.comparedFloats),
      bad(x.metricsMismatched, x.metricsCompared),
      bad(x.dailyMismatched, x.dailyCompared),
      el('span', { class: x.seedPass ? 'badge ok' : 'badge bad', text: `${x.seedPassing}/${x.strategies} · ${pct(x.seedShare)} · ${x.seedPass ? 'PASS' : 'FAIL'}` }),
    ]);
    const chartHost = el('figure', { class: 'panel', 'data-plot': 'agreement' });
    const examples = a.filter((x) => x.examples.length).map((x) =>
      el('details', {}, el('summary', { text: `${x.batch}: first differences` }),
        el('ul', {}, ...x.examples.map((e) => el('li', { text: e })))));
    host.replaceChildren(
      el('div', { class: 'table-wrap' }, table(['Batch', 'Verdict', 'Strategies matched exactly', 'Trades (ours / ref)',
        'Mismatching records', 'Bit-identical floats', 'Metrics mismatching', 'Daily returns mismatching', 'Seed criteria'],
      rows, { class: 'data wrap-head', id: 'agreement-table' }, [false, false, true, true, true, true, true, true, false])),
      chartHost, ...examples,
      el('p', { class: 'note', text: 'Exact: every trade record field equal (floats within a relative 1e-9). Seed criteria, ' +
        'per strategy: trade count within ±5 %, total PnL within ±2 %, first 10 trades exact; a batch passes when ≥ 95 % of its ' +
        'strategies do. Mismatching metrics and daily returns are counted as "mismatching / compared".' }),
    );
    const share = a.map((x) => ({ batch: x.batch, share: x.strategies ? x.strategiesExact / x.strategies : 1, ok: x.ok ? 'identical' : 'differs' }));
    chartHost.append(el('figcaption', {}, el('b', { text: 'Strategies matched exactly, per batch' })), Plot.plot({
      width: widthOf(chartHost), height: 40 + a.length * 24, marginLeft: 170, marginRight: 50, style: { fontSize: '12px' },
      x: { domain: [0, 1], label: 'share of strategies with identical trades', tickFormat: (x: number) => `${Math.round(x * 100)}%`, grid: true },
      y: { label: null, domain: share.map((s) => s.batch) },
      color: { domain: ['identical', 'differs'], range: ['#1b9e77', '#d62728'], legend: true },
      marks: [
        Plot.barX(share, { x: 'share', y: 'batch', fill: 'ok', inset: 3 }),
        Plot.text(share, { x: 'share', y: 'batch', text: (s: any) => pct(s.share), dx: 4, textAnchor: 'start', fill: '#333' }),
        Plot.ruleX([0.95], { stroke: '#555', strokeDasharray: '3,3' }),
      ],
    }));
  }

  // ------------------------------------------------------------------------------------------

  renderSummary();
  renderDistributions();
  renderTop(select.value);
  renderHeatmap(select.value);
  renderAgreement();
  select.addEventListener('change', () => {
    renderTop(select.value);
    renderHeatmap(select.value);
  });
  doc.body.setAttribute('data-rendered', 'true');
}
