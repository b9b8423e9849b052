// Per-strategy metrics and daily returns, with vectorbt's definitions (reference-data/README.md),
// from the kernel's one-pass accumulators and the trade records: no bars × strategies matrix.
import * as arrow from 'apache-arrow';
import {
  STATS_SLOTS, STAT_TOTAL_PROFIT, STAT_TOTAL_FEES, STAT_SUM_RET, STAT_SUM_RET_SQ, STAT_SUM_DOWN_SQ, STAT_RET_SHIFT,
  STAT_MIN_DRAWDOWN, STAT_CUM_PROD, STATUS_CLOSED, STATUS_OPEN,
} from '../assembly/layout/records.js';
import { ANN_FACTOR, type SimConfig } from './config.js';
import { SimrunError } from './errors.js';
import { tableFromColumns, type NamedColumns } from './named-columns.js';
import type { TradeRecords } from './records.js';

export interface StrategyMetrics {
  strategy: string;
  start_value: number;
  end_value: number;
  total_return: number;
  total_pnl: number;
  total_fees: number;
  closed_trades: number;
  open_trades: number;
  win_rate: number;
  best_trade_return: number;
  worst_trade_return: number;
  profit_factor: number;
  expectancy: number;
  max_drawdown: number;
  sharpe: number;
  sortino: number;
  calmar: number;
}

export const METRIC_COLUMNS = [
  'start_value', 'end_value', 'total_return', 'total_pnl', 'total_fees', 'closed_trades',
  'open_trades', 'win_rate', 'best_trade_return', 'worst_trade_return', 'profit_factor',
  'expectancy', 'max_drawdown', 'sharpe', 'sortino', 'calmar',
] as const satisfies readonly (keyof StrategyMetrics)[];

export const INTEGER_METRICS = new Set<string>(['closed_trades', 'open_trades']);

/** Sharpe, Sortino and Calmar from Σr, Σr², Σmin(r,0)², Π(1+r) and the max drawdown over n bars. */
function returnRatios(n: number, s: Float64Array, o: number) {
  const sum = s[o + STAT_SUM_RET];
  const mean = sum / n;
  // numpy's nanvar (mean of squared deviations; ddof=1 rescales by n/(n−1)) from squares shifted by
  // K, the first non-zero return: Σ(r−m)² = Σ(r−K)² − (Σ(r−K))²/n, with no catastrophic cancellation
  const shift = s[o + STAT_RET_SHIFT];
  const devSum = sum - n * shift;
  const variance = Math.max(0, (s[o + STAT_SUM_RET_SQ] - (devSum * devSum) / n) / n);
  const std = Math.sqrt((variance * n) / (n - 1));
  const sharpe = n < 2 ? NaN : std === 0 ? Infinity : (mean / std) * Math.sqrt(ANN_FACTOR);
  const downside = Math.sqrt(s[o + STAT_SUM_DOWN_SQ] / n) * Math.sqrt(ANN_FACTOR);
  const sortino = n < 2 ? NaN : downside === 0 ? Infinity : (mean * ANN_FACTOR) / downside;
  const maxDrawdown = s[o + STAT_MIN_DRAWDOWN];
  const annualized = s[o + STAT_CUM_PROD] ** (ANN_FACTOR / n) - 1;
  const calmar = maxDrawdown === 0 ? NaN : annualized / Math.abs(maxDrawdown);
  return { sharpe, sortino, maxDrawdown, calmar };
}

/** Trade metrics over closed trades, as vectorbt's `exit_trades.closed` gives them. */
function tradeMetrics(rec: TradeRecords, from: number, to: number) {
  let closed = 0, open = 0, wins = 0, losses = 0, winSum = 0, lossSum = 0;
  let best = -Infinity, worst = Infinity;
  for (let k = from; k < to; k++) {
    if (rec.status[k] === STATUS_OPEN) {
      open++;
      continue;
    }
    if (rec.status[k] !== STATUS_CLOSED) continue;
    closed++;
    const pnl = rec.pnl[k];
    if (pnl > 0) { wins++; winSum += pnl; } else if (pnl < 0) { losses++; lossSum += pnl; }
    best = Math.max(best, rec.return[k]);
    worst = Math.min(worst, rec.return[k]);
  }
  if (closed === 0) {
    return { closed, open, winRate: NaN, best: NaN, worst: NaN, profitFactor: NaN, expectancy: NaN };
  }
  const winRate = wins / closed;
  const avgWin = wins ? winSum / wins : 0;
  const avgLoss = losses ? lossSum / losses : 0;
  const lossRate = losses / closed;
  return {
    closed, open, winRate, best, worst,
    profitFactor: winSum / Math.abs(lossSum),
    expectancy: winRate * avgWin - lossRate * Math.abs(avgLoss),
  };
}

/**
 * Each strategy's metrics. `initCash` is every strategy's starting cash (the kernel's COL_INIT_CASH,
 * e.g. `columnSettings(…).initCash`), or a config whose init cash all strategies share.
 */
export function computeMetrics(strategies: readonly string[], rec: TradeRecords, stats: Float64Array,
  nBars: number, initCash: ArrayLike<number> | Pick<SimConfig, 'initCash'>): StrategyMetrics[] {
  const cashOf = (c: number) => ('initCash' in initCash ? initCash.initCash : initCash[c]);
  return strategies.map((strategy, c) => {
    const o = c * STATS_SLOTS;
    const cash = cashOf(c);
    const profit = stats[o + STAT_TOTAL_PROFIT];
    const t = tradeMetrics(rec, rec.offsets[c], rec.offsets[c + 1]);
    const r = returnRatios(nBars, stats, o);
    return {
      strategy,
      start_value: cash,
      end_value: profit + cash,
      total_return: profit / cash,
      total_pnl: profit,
      total_fees: stats[o + STAT_TOTAL_FEES],
      closed_trades: t.closed,
      open_trades: t.open,
      win_rate: t.winRate,
      best_trade_return: t.best,
      worst_trade_return: t.worst,
      profit_factor: t.profitFactor,
      expectancy: t.expectancy,
      max_drawdown: r.maxDrawdown,
      sharpe: r.sharpe,
      sortino: r.sortino,
      calmar: r.calmar,
    };
  });
}

/** The date column of daily_returns.parquet, beside one column per strategy. */
export const DATE_COLUMN = 'date';

/**
 * Names from params.csv become column names of the outputs: a strategy names a column of
 * daily_returns.parquet, a params column one of metrics.parquet. One that clashes with a column
 * simrun writes itself cannot be represented: SimrunError naming `paramsFile` and the name.
 * (Duplicates are refused by the params reader.)
 */
export function checkOutputNames(strategies: readonly string[], paramsColumns: readonly string[], paramsFile: string): void {
  if (strategies.includes(DATE_COLUMN)) {
    throw new SimrunError('bad-params',
      `strategy "${DATE_COLUMN}" clashes with the "${DATE_COLUMN}" column simrun writes to daily_returns.parquet; rename it`, paramsFile);
  }
  const taken = new Set<string>(['strategy', ...METRIC_COLUMNS]);
  for (const name of paramsColumns) {
    if (taken.has(name)) {
      throw new SimrunError('bad-params',
        `column "${name}" clashes with the "${name}" column simrun writes to metrics.parquet; rename it`, paramsFile);
    }
  }
}

/** One row per strategy; `carried` (the params columns, in order) are appended after the metrics. */
export function metricsTable(rows: StrategyMetrics[], carried: NamedColumns = []): arrow.Table {
  const cols: NamedColumns = [['strategy', arrow.vectorFromArray(rows.map((r) => r.strategy), new arrow.Utf8())]];
  for (const name of METRIC_COLUMNS) {
    cols.push([name, INTEGER_METRICS.has(name)
      ? arrow.makeVector(BigInt64Array.from(rows, (r) => BigInt(r[name])))
      : arrow.makeVector(Float64Array.from(rows, (r) => r[name]))]);
  }
  return tableFromColumns([...cols, ...carried]);
}

/**
 * Daily returns: each day's last value over the previous day's (the first day over the strategy's
 * init cash: one number for all, or one per strategy).
 */
export function dailyReturnsTable(strategies: readonly string[], days: Int32Array,
  dailyValues: Float64Array, initCash: number | ArrayLike<number>): arrow.Table {
  const nDays = days.length;
  const cols: NamedColumns = [
    [DATE_COLUMN, arrow.makeVector(arrow.makeData({ type: new arrow.DateDay(), length: nDays, nullCount: 0, data: days }))],
  ];
  strategies.forEach((name, c) => {
    const out = new Float64Array(nDays);
    let prev = typeof initCash === 'number' ? initCash : initCash[c];
    for (let d = 0; d < nDays; d++) {
      const v = dailyValues[c * nDays + d];
      out[d] = v / prev - 1;
      prev = v;
    }
    cols.push([name, arrow.makeVector(out)]);
  });
  return tableFromColumns(cols);
}
