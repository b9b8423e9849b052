// Reads a sweep's outputs (`<out>/<ASSET>_<direction>/batch_<NNN>/{trades,metrics,daily_returns}.parquet`
// and `<out>/manifest.json`) and, where the data root has vectorbt's reference outputs for a batch,
// compares ours with them: everything the report page shows, as one JSON-able object.
import fs from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';

import { BATCH_FILES, batchFolders, batchPaths, outputDir, parseBatchName } from '../batch/layout.js';
import { parquetRowCount } from '../batch/metadata.js';
import { readParquetTable } from '../batch/read.js';
import { openParquetColumns, readParquetColumns } from '../batch/read-columns.js';
import { groupByCode, numbers, requireColumn, stringCodes, strings } from '../columns.js';
import { compareDailyReturns, compareMetrics, compareTrades, REFERENCE_TRADE_COLUMNS } from '../compare.js';
import { SimrunError } from '../errors.js';
import { METRIC_COLUMNS, type StrategyMetrics } from '../metrics.js';
import type { TradeRecords } from '../records.js';
import { DIRECTION_NAMES, REASON_NAMES, STATUS_NAMES } from '../trade-codes.js';
import { MANIFEST, readManifest } from '../sweep.js';
import type { Direction } from '../types.js';
import {
  CARRIED_METRICS, DISTRIBUTION_METRICS, REPORT_METRICS, distributionStats, equityAndDrawdown, heatmapCells,
  topIndices, type CarriedMetric, type DistributionStats, type EquityCurve, type Heatmap, type ReportMetric,
} from './data.js';

export interface BatchInfo {
  name: string;
  asset: string;
  direction: Direction;
  strategies: number;
  trades: number;
  /** From the manifest (null when the batch is not in it, e.g. a single-batch run). */
  seconds: number | null;
  finishedAt: string | null;
}

export interface Agreement {
  batch: string;
  strategies: number;
  strategiesExact: number;
  ourTrades: number;
  referenceTrades: number;
  mismatchedRecords: number;
  bitIdenticalFloats: number;
  comparedFloats: number;
  metricsCompared: number | null;
  metricsMismatched: number | null;
  dailyCompared: number | null;
  dailyMismatched: number | null;
  seedPassing: number;
  seedShare: number;
  seedPass: boolean;
  ok: boolean;
  /** The first differences, field by field. */
  examples: string[];
}

export interface StrategyColumns {
  /** Index into `batches`. */
  batch: number[];
  name: string[];
  tp: number[];
  sl: number[];
  tsl: number[];
  /** params.csv's `family` column, when the outputs carry it. */
  family: string[] | null;
  metrics: Record<CarriedMetric, number[]>;
}

export interface Curve extends EquityCurve {
  /** Index into the strategy columns. */
  row: number;
  /** Days since 1970-01-01 (the pipeline-clock day of each daily return). */
  days: number[];
}

export interface GroupDistribution extends DistributionStats {
  /** `<ASSET> · <direction>`. */
  group: string;
  asset: string;
  direction: Direction;
}

export interface ReportData {
  title: string;
  outDir: string;
  dataRoot: string | null;
  generatedAt: string;
  defaultMetric: ReportMetric;
  metrics: readonly ReportMetric[];
  distributionMetrics: readonly string[];
  /** Per distribution metric: quantiles per asset · direction group, in batch order. */
  distributions: Record<string, GroupDistribution[]>;
  summary: {
    batches: number;
    strategies: number;
    trades: number;
    /** Σ seconds over the batches the manifest times; null without a manifest. */
    seconds: number | null;
    timedBatches: number;
    manifest: boolean;
    /** Batches with reference outputs, and how many of them are identical to vectorbt. */
    comparedBatches: number;
    identicalBatches: number;
    seedPassingBatches: number;
  };
  batches: BatchInfo[];
  strategies: StrategyColumns;
  heatmaps: Record<ReportMetric, Heatmap>;
  /** Per metric: the rows of the top strategies, best first. */
  top: Record<ReportMetric, number[]>;
  topN: number;
  curves: Curve[];
  agreement: Agreement[];
}

export interface CollectOptions {
  out: string;
  /** Data root with the batches' reference outputs (null: no comparison). */
  data: string | null;
  metric: ReportMetric;
  top: number;
}

// ---------------------------------------------------------------------------------------------
// Finding the outputs

const OUTPUT_FILES = [BATCH_FILES.metrics, BATCH_FILES.trades, BATCH_FILES.dailyReturns] as const;

/**
 * The batches that have outputs under `outRoot` (folders `<ASSET>_<direction>/batch_<NNN>` holding a
 * metrics.parquet), sorted by asset, direction and batch number. A folder that has some but not all
 * of the three output files is an error naming the missing file.
 */
export function scanOutputs(outRoot: string): string[] {
  const stat = fs.statSync(outRoot, { throwIfNoEntry: false });
  if (!stat) throw new SimrunError('missing-file', 'output directory does not exist', outRoot);
  if (!stat.isDirectory()) throw new SimrunError('bad-argument', 'not a directory', outRoot);
  const names = batchFolders(outRoot).filter((name) => {
    const dir = outputDir(outRoot, name);
    const present = OUTPUT_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
    if (present.length === 0) return false;
    const missing = OUTPUT_FILES.find((f) => !present.includes(f));
    if (missing) throw new SimrunError('missing-file', 'batch output incomplete: file not found', path.join(dir, missing));
    return true;
  });
  if (names.length === 0) {
    throw new SimrunError('missing-file',
      'no simrun outputs found (expected <ASSET>_<direction>/batch_<NNN>/metrics.parquet; run simrun --batch … --out first)',
      outRoot);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Arrow tables → plain data

/** A date column as days since the epoch. */
function epochDays(table: arrow.Table, name: string, file: string): number[] {
  const col = requireColumn(table, name, file);
  const out: number[] = [];
  if (arrow.DataType.isDate(col.type) && col.type.unit === arrow.DateUnit.DAY) {
    for (const d of col.data) for (let i = 0; i < d.length; i++) out.push((d.values as Int32Array)[d.offset + i]);
    return out;
  }
  for (let i = 0; i < col.length; i++) {
    const v = col.get(i) as unknown;
    const ms = v instanceof Date ? v.getTime() : Number(v);
    out.push(Math.floor(ms / 86_400_000));
  }
  return out;
}

/**
 * Our trades.parquet as the kernel's column-wise records (what compareTrades takes). Rows are grouped
 * by strategy in `strategies` order (stable, so each strategy's trades keep their file order).
 */
export function tradeRecordsFromTable(table: arrow.Table, strategies: readonly string[], file: string): TradeRecords {
  const n = table.numRows;
  const strategy = stringCodes(table, 'strategy', strategies, file);
  if (strategy.names.length > strategies.length) {
    const r = strategy.codes.findIndex((c) => c >= strategies.length);
    throw new SimrunError('bad-value', `row ${r}: strategy "${strategy.names[strategy.codes[r]]}" is not in metrics.parquet`, file);
  }
  const code = (field: string, list: readonly string[]) => {
    const { codes, names } = stringCodes(table, field, list, file);
    const r = codes.findIndex((c) => c >= list.length);
    if (r >= 0) throw new SimrunError('bad-value', `row ${r}: ${field} "${names[codes[r]]}" is not one of ${list.join(', ')}`, file);
    return codes;
  };
  const { start: offsets, rows } = groupByCode(strategy.codes, strategies.length);
  const gather = <A extends Int32Array | Uint8Array | Float64Array>(out: A, values: ArrayLike<number>): A => {
    for (let k = 0; k < n; k++) out[k] = values[rows[k]];
    return out;
  };
  const float = (name: string) => gather(new Float64Array(n), numbers(table, name, file));
  const int32 = (name: string) => gather(new Int32Array(n), numbers(table, name, file));
  return {
    length: n,
    strategy: gather(new Int32Array(n), strategy.codes),
    tradeId: int32('trade_id'),
    direction: gather(new Uint8Array(n), code('direction', DIRECTION_NAMES)),
    status: gather(new Uint8Array(n), code('status', STATUS_NAMES)),
    exitReason: gather(new Uint8Array(n), code('exit_reason', REASON_NAMES)),
    entryIdx: int32('entry_idx'),
    exitIdx: int32('exit_idx'),
    entryPrice: float('entry_price'), entryFees: float('entry_fees'), exitPrice: float('exit_price'),
    exitFees: float('exit_fees'), size: float('size'), pnl: float('pnl'), return: float('return'),
    offsets,
  };
}

/** Our metrics.parquet rows as StrategyMetrics (what compareMetrics takes). */
export function strategyMetricsFromTable(table: arrow.Table, file: string): StrategyMetrics[] {
  const names = strings(table, 'strategy', file);
  const cols = new Map(METRIC_COLUMNS.map((m) => [m, numbers(table, m, file)]));
  return names.map((strategy, r) => {
    const row = { strategy } as StrategyMetrics;
    for (const m of METRIC_COLUMNS) row[m] = cols.get(m)![r];
    return row;
  });
}

// ---------------------------------------------------------------------------------------------
// The whole report

/** Rounds to `digits` significant digits (keeps NaN and ±inf): the page shows no more. */
function round(x: number, digits = 7): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(digits)) : x;
}

interface LoadedBatch {
  info: BatchInfo;
  metricsFile: string;
  metrics: arrow.Table;
  strategies: string[];
}

/** Our outputs of one batch against the reference outputs in `dataRoot`; null when it has none. */
async function compareBatch(outDir: string, loaded: LoadedBatch, dataRoot: string): Promise<Agreement | null> {
  const ref = batchPaths(dataRoot, loaded.info.name);
  if (!fs.existsSync(ref.trades)) return null;
  const tradesFile = path.join(outDir, BATCH_FILES.trades);
  const dailyFile = path.join(outDir, BATCH_FILES.dailyReturns);
  const records = tradeRecordsFromTable(await readParquetColumns(tradesFile, REFERENCE_TRADE_COLUMNS), loaded.strategies, tradesFile);
  const refTrades = await openParquetColumns(ref.trades);
  const base = await compareTrades(records, loaded.strategies, refTrades.read, ref.trades, 3).finally(refTrades.close);
  const m = fs.existsSync(ref.metrics)
    ? compareMetrics(strategyMetricsFromTable(loaded.metrics, loaded.metricsFile), await readParquetColumns(ref.metrics), ref.metrics, 3)
    : null;
  const d = fs.existsSync(ref.dailyReturns)
    ? compareDailyReturns(await readParquetColumns(dailyFile), await readParquetColumns(ref.dailyReturns), ref.dailyReturns, 3)
    : null;
  return {
    batch: loaded.info.name,
    strategies: base.strategies, strategiesExact: base.strategiesExact,
    ourTrades: base.ourTrades, referenceTrades: base.referenceTrades,
    mismatchedRecords: base.mismatchedRecords,
    bitIdenticalFloats: base.bitIdenticalFloats, comparedFloats: base.comparedFloats,
    metricsCompared: m?.compared ?? null, metricsMismatched: m?.mismatched ?? null,
    dailyCompared: d?.compared ?? null, dailyMismatched: d?.mismatched ?? null,
    seedPassing: base.seed.passing, seedShare: base.seed.share, seedPass: base.seed.pass,
    ok: base.mismatchedRecords === 0 && (m?.mismatched ?? 0) === 0 && (d?.mismatched ?? 0) === 0,
    examples: [...base.examples, ...(m?.examples ?? []), ...(d?.examples ?? [])].slice(0, 6),
  };
}

export async function collectReport(opts: CollectOptions): Promise<ReportData> {
  const names = scanOutputs(opts.out);
  const manifest = fs.existsSync(path.join(opts.out, MANIFEST)) ? readManifest(opts.out) : null;

  // per batch: metrics, the trade count and (where the data root has reference outputs) the comparison
  const agreement: Agreement[] = [];
  const batches: LoadedBatch[] = [];
  for (const name of names) {
    const b = parseBatchName(name);
    const dir = outputDir(opts.out, name);
    const metricsFile = path.join(dir, BATCH_FILES.metrics);
    const metrics = readParquetTable(metricsFile);
    // the trades themselves are decoded only to compare them
    const trades = await parquetRowCount(path.join(dir, BATCH_FILES.trades));
    const entry = manifest?.batches[name];
    const loaded: LoadedBatch = {
      info: {
        name, asset: b.asset, direction: b.direction, strategies: metrics.numRows, trades,
        seconds: typeof entry?.seconds === 'number' ? entry.seconds : null, finishedAt: entry?.finishedAt ?? null,
      },
      metricsFile,
      metrics,
      strategies: strings(metrics, 'strategy', metricsFile),
    };
    const a = opts.data ? await compareBatch(dir, loaded, opts.data) : null;
    if (a) agreement.push(a);
    batches.push(loaded);
  }

  // strategy rows, all batches
  const cols: StrategyColumns = {
    batch: [], name: [], tp: [], sl: [], tsl: [], family: [],
    metrics: Object.fromEntries(CARRIED_METRICS.map((m) => [m, [] as number[]])) as Record<CarriedMetric, number[]>,
  };
  const startValue: number[] = [];
  let anyFamily = false;
  batches.forEach((b, bi) => {
    const t = b.metrics;
    const f = b.metricsFile;
    cols.batch.push(...b.strategies.map(() => bi));
    cols.name.push(...b.strategies);
    cols.tp.push(...numbers(t, 'tp_stop', f));
    cols.sl.push(...numbers(t, 'sl_stop', f));
    cols.tsl.push(...numbers(t, 'tsl_stop', f));
    startValue.push(...numbers(t, 'start_value', f));
    if (t.getChild('family')) {
      anyFamily = true;
      cols.family!.push(...strings(t, 'family', f));
    } else {
      cols.family!.push(...b.strategies.map(() => ''));
    }
    for (const m of CARRIED_METRICS) cols.metrics[m].push(...numbers(t, m, f));
  });
  if (!anyFamily) cols.family = null;

  // distributions per asset · direction
  const groupRows = new Map<string, { asset: string; direction: Direction; rows: number[] }>();
  cols.batch.forEach((bi, r) => {
    const b = batches[bi].info;
    const key = `${b.asset} · ${b.direction}`;
    let g = groupRows.get(key);
    if (!g) groupRows.set(key, (g = { asset: b.asset, direction: b.direction, rows: [] }));
    g.rows.push(r);
  });
  const distributions: Record<string, GroupDistribution[]> = {};
  for (const metric of DISTRIBUTION_METRICS) {
    distributions[metric] = [...groupRows].map(([group, g]) => ({
      group, asset: g.asset, direction: g.direction,
      ...distributionStats(g.rows.map((r) => cols.metrics[metric][r])),
    }));
  }

  // heatmaps and rankings per metric
  const direction = cols.batch.map((bi) => batches[bi].info.direction);
  const heatmaps = {} as Record<ReportMetric, Heatmap>;
  const top = {} as Record<ReportMetric, number[]>;
  for (const metric of REPORT_METRICS) {
    const values = cols.metrics[metric];
    heatmaps[metric] = heatmapCells(values.map((value, r) => ({ direction: direction[r], tp: cols.tp[r], sl: cols.sl[r], value })));
    top[metric] = topIndices(values, opts.top);
  }

  // equity curves of every strategy that is in some top list
  const wanted = [...new Set(Object.values(top).flat())].sort((a, b) => a - b);
  const byBatch = new Map<number, number[]>();
  for (const r of wanted) byBatch.set(cols.batch[r], [...(byBatch.get(cols.batch[r]) ?? []), r]);
  const curves: Curve[] = [];
  for (const [bi, rows] of byBatch) {
    const file = path.join(outputDir(opts.out, batches[bi].info.name), BATCH_FILES.dailyReturns);
    const table = readParquetTable(file);
    const days = epochDays(table, 'date', file);
    for (const r of rows) {
      const { equity, drawdown } = equityAndDrawdown(numbers(table, cols.name[r], file), startValue[r]);
      curves.push({ row: r, days, equity: equity.map((x) => round(x, 9)), drawdown: drawdown.map((x) => round(x, 6)) });
    }
  }

  const timed = batches.filter((b) => b.info.seconds !== null);
  for (const m of CARRIED_METRICS) cols.metrics[m] = cols.metrics[m].map((x) => round(x));
  return {
    title: 'simrun sweep report',
    outDir: path.resolve(opts.out),
    dataRoot: opts.data ? path.resolve(opts.data) : null,
    generatedAt: new Date().toISOString(),
    defaultMetric: opts.metric,
    metrics: REPORT_METRICS,
    distributionMetrics: DISTRIBUTION_METRICS,
    distributions,
    summary: {
      batches: batches.length,
      strategies: cols.name.length,
      trades: batches.reduce((n, b) => n + b.info.trades, 0),
      seconds: manifest ? timed.reduce((s, b) => s + b.info.seconds!, 0) : null,
      timedBatches: timed.length,
      manifest: manifest !== null,
      comparedBatches: agreement.length,
      identicalBatches: agreement.filter((a) => a.ok).length,
      seedPassingBatches: agreement.filter((a) => a.seedPass).length,
    },
    batches: batches.map((b) => b.info),
    strategies: cols,
    heatmaps,
    top,
    topN: opts.top,
    curves,
    agreement,
  };
}
