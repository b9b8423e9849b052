// The report's data: what the page shows, prepared in Node from a sweep's outputs (pure functions
// here; reading the files is in collect.ts). The page gets it as one JSON document.
import type { Direction } from '../types.js';

/** Metrics the page can rank strategies by and colour the heatmap with (higher is better for each). */
export const REPORT_METRICS = [
  'sharpe', 'sortino', 'calmar', 'total_return', 'max_drawdown', 'win_rate', 'profit_factor',
  'expectancy', 'total_pnl', 'closed_trades',
] as const;
export type ReportMetric = (typeof REPORT_METRICS)[number];
export const DEFAULT_REPORT_METRIC: ReportMetric = 'sharpe';

/** Metrics whose distributions are plotted per asset and direction. */
export const DISTRIBUTION_METRICS = ['total_return', 'sharpe', 'max_drawdown', 'win_rate'] as const;

/** Every metric column the page carries per strategy. */
export const CARRIED_METRICS = [
  'end_value', 'total_return', 'total_pnl', 'total_fees', 'closed_trades', 'open_trades', 'win_rate',
  'best_trade_return', 'worst_trade_return', 'profit_factor', 'expectancy', 'max_drawdown', 'sharpe',
  'sortino', 'calmar',
] as const;
export type CarriedMetric = (typeof CARRIED_METRICS)[number];

// ---------------------------------------------------------------------------------------------
// Equity and drawdown

export interface EquityCurve {
  /** Value at the end of each day: start × Π(1 + r). */
  equity: number[];
  /** equity / running peak − 1 (≤ 0); the peak starts at `start`. */
  drawdown: number[];
}

/**
 * Cumulative equity and drawdown from daily returns. The running peak starts at the initial value,
 * so a strategy that loses on its first day is in drawdown from that day (as vectorbt's value-based
 * drawdown is). A NaN return (no data) leaves the equity unchanged.
 */
export function equityAndDrawdown(returns: ArrayLike<number>, start = 1): EquityCurve {
  const equity = new Array<number>(returns.length);
  const drawdown = new Array<number>(returns.length);
  let value = start;
  let peak = start;
  for (let d = 0; d < returns.length; d++) {
    const r = returns[d];
    if (!Number.isNaN(r)) value *= 1 + r;
    if (value > peak) peak = value;
    equity[d] = value;
    drawdown[d] = peak > 0 ? value / peak - 1 : 0;
  }
  return { equity, drawdown };
}

// ---------------------------------------------------------------------------------------------
// Parameter bins for the heatmap

export interface ParamBins {
  /** Category labels in display order ("off" first when a stop is off for some strategies). */
  labels: string[];
  /** The label of each value. */
  of(value: number): string;
  /** Whether values were grouped in ranges (many distinct values) rather than shown one by one. */
  binned: boolean;
}

const pctLabel = (x: number, digits: number) => `${(x * 100).toFixed(digits)}%`;

/** Fewest decimals (of a percentage) that tell all the given values apart, at most 4. */
function percentDigits(values: readonly number[]): number {
  for (let digits = 0; digits < 4; digits++) {
    const seen = new Set(values.map((v) => pctLabel(v, digits)));
    if (seen.size === values.length) return digits;
  }
  return 4;
}

/** Fewest decimals (of a percentage, at most 4) that show every value exactly: 1 %, 2.5 % → 1. */
function exactPercentDigits(values: readonly number[]): number {
  for (let digits = 0; digits < 4; digits++) {
    if (values.every((v) => Math.abs(Number((v * 100).toFixed(digits)) - v * 100) < 1e-9)) return digits;
  }
  return 4;
}

/**
 * The categories of a stop parameter (fractions such as 0.02; NaN = stop off). Up to `maxDistinct`
 * distinct values are shown one by one (a grid sweep); more are grouped into `bins` equal-width
 * ranges between the smallest and largest value (random parameters).
 */
export function paramBins(values: ArrayLike<number>, maxDistinct = 10, bins = 6): ParamBins {
  const finite: number[] = [];
  let anyOff = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) anyOff = true;
    else finite.push(v);
  }
  const distinct = [...new Set(finite)].sort((a, b) => a - b);
  const off = anyOff ? ['off'] : [];
  if (distinct.length <= maxDistinct) {
    const digits = exactPercentDigits(distinct);
    const label = (v: number) => (Number.isNaN(v) ? 'off' : pctLabel(v, digits));
    return { labels: [...off, ...distinct.map(label)], of: label, binned: false };
  }
  const lo = distinct[0];
  const hi = distinct[distinct.length - 1];
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, k) => (k === bins ? hi : lo + k * width));
  const digits = Math.max(1, Math.min(3, percentDigits(edges)));
  const labels = Array.from({ length: bins }, (_, k) =>
    `${(edges[k] * 100).toFixed(digits)}–${pctLabel(edges[k + 1], digits)}`);
  const of = (v: number) => {
    if (Number.isNaN(v)) return 'off';
    // (a value on an edge belongs to the range it starts, despite rounding: (0.03 − 0.01) / 0.02 < 1)
    const k = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width + 1e-9)));
    return labels[k];
  };
  return { labels: [...off, ...labels], of, binned: true };
}

// ---------------------------------------------------------------------------------------------
// Heatmap cells

export interface HeatmapRow {
  direction: Direction;
  tp: number;
  sl: number;
  value: number;
}

export interface HeatmapCell {
  direction: Direction;
  tp: string;
  sl: string;
  /** Median of the finite values in the cell; null when none is finite. */
  median: number | null;
  /** Strategies in the cell, and how many of them have a finite value. */
  count: number;
  finite: number;
}

export interface Heatmap {
  tpLabels: string[];
  slLabels: string[];
  binned: boolean;
  cells: HeatmapCell[];
}

export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const m = n >> 1;
  return n % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

const DIRECTION_ORDER: Record<string, number> = { long: 0, short: 1, longshort: 2 };

/**
 * tp × sl cells per direction, each with the median of the metric over its strategies
 * (non-finite values — inf Sharpe of a strategy that never trades, NaN — are left out of the median
 * but counted). Bins are shared by all directions.
 */
export function heatmapCells(rows: readonly HeatmapRow[], maxDistinct = 10, bins = 6): Heatmap {
  const tpBins = paramBins(rows.map((r) => r.tp), maxDistinct, bins);
  const slBins = paramBins(rows.map((r) => r.sl), maxDistinct, bins);
  const groups = new Map<string, { direction: Direction; tp: string; sl: string; values: number[]; count: number }>();
  for (const r of rows) {
    const tp = tpBins.of(r.tp);
    const sl = slBins.of(r.sl);
    const key = `${r.direction}\u0000${tp}\u0000${sl}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { direction: r.direction, tp, sl, values: [], count: 0 }));
    g.count++;
    if (Number.isFinite(r.value)) g.values.push(r.value);
  }
  const tpIndex = new Map(tpBins.labels.map((l, i) => [l, i]));
  const slIndex = new Map(slBins.labels.map((l, i) => [l, i]));
  const cells = [...groups.values()]
    .map((g) => {
      const sorted = g.values.sort((a, b) => a - b);
      return {
        direction: g.direction, tp: g.tp, sl: g.sl,
        median: sorted.length ? median(sorted) : null, count: g.count, finite: sorted.length,
      };
    })
    .sort((a, b) => (DIRECTION_ORDER[a.direction] - DIRECTION_ORDER[b.direction])
      || tpIndex.get(a.tp)! - tpIndex.get(b.tp)! || slIndex.get(a.sl)! - slIndex.get(b.sl)!);
  return { tpLabels: tpBins.labels, slLabels: slBins.labels, binned: tpBins.binned || slBins.binned, cells };
}

// ---------------------------------------------------------------------------------------------
// Distributions

/** The `p` quantile of sorted values, interpolating linearly between ranks ((n − 1)·p, as d3 and numpy do). */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < n ? sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (h - lo) : sorted[n - 1];
}

export interface DistributionStats {
  /** Strategies with a finite value, and those without (NaN, ±inf: left out of the quantiles). */
  n: number;
  nonFinite: number;
  p05: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

/** Quantiles of the finite values (NaN quantiles when there is none). */
export function distributionStats(values: readonly number[]): DistributionStats {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const q = (p: number) => quantileSorted(sorted, p);
  return {
    n: sorted.length, nonFinite: values.length - sorted.length,
    p05: q(0.05), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95),
  };
}

// ---------------------------------------------------------------------------------------------
// Ranking

/**
 * Indices of the `n` rows with the highest finite `values` (ties keep row order). Non-finite values
 * (NaN, or the inf Sharpe of a strategy that never trades) are not ranked.
 */
export function topIndices(values: ArrayLike<number>, n: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) idx.push(i);
  idx.sort((a, b) => values[b] - values[a] || a - b);
  return idx.slice(0, n);
}

// ---------------------------------------------------------------------------------------------
// JSON

/** JSON for the page: NaN → null, ±Infinity → "inf"/"-inf", and safe inside a <script> element. */
export function pageJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? null : v > 0 ? 'inf' : '-inf';
    if (typeof v === 'bigint') return Number(v);
    return v;
  });
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
