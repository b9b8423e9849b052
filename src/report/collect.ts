// Reads a sweep's outputs (`<out>/<ASSET>_<direction>/batch_<NNN>/{trades,metrics,daily_returns}.parquet`
// and `<out>/manifest.json`) and, where the data root has vectorbt's reference outputs for a batch,
// compares ours with them: everything the report page shows, as one JSON-able object.
import fs from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';

import { batchPaths, parseBatchName } from '../batch/layout.js';
import { readParquetTable } from '../batch/read.js';
import { compareDailyReturns, compareMetrics, compareTrades } from '../compare.js';
import { SimrunError } from '../errors.js';
import { METRIC_COLUMNS, type StrategyMetrics } from '../metrics.js';
import { DIRECTION_NAMES, REASON_NAMES, STATUS_NAMES, type TradeRecords } from '../records.js';
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

const GROUP_RE = /^[A-Z][A-Z0-9]*_(long|short|longshort)$/;
const BATCH_RE = /^batch_\d{3,}$/;
const OUTPUT_FILES = ['metrics.parquet', 'trades.parquet', 'daily_returns.parquet'] as const;

function listDirs(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new SimrunError('unreadable-file', `cannot list directory (${(e as NodeJS.ErrnoException).code ?? e})`, dir);
  }
  return entries.filter((e) => e.isDirectory() || (e.isSymbolicLink() && isDirectory(path.join(dir, e.name))))
    .map((e) => e.name);
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The batches that have outputs under `outRoot` (folders `<ASSET>_<direction>/batch_<NNN>` holding a
 * metrics.parquet), sorted by asset, direction and batch number. A folder that has some but not all
 * of the three output files is an error naming the missing file.
 */
export function scanOutputs(outRoot: string): string[] {
  const stat = fs.statSync(outRoot, { throwIfNoEntry: false });
  if (!stat) throw new SimrunError('missing-file', 'output directory does not exist', outRoot);
  if (!stat.isDirectory()) throw new SimrunError('bad-argument', 'not a directory', outRoot);
  const names: string[] = [];
  for (const group of listDirs(outRoot)) {
    if (!GROUP_RE.test(group)) continue;
    for (const batch of listDirs(path.join(outRoot, group))) {
      if (!BATCH_RE.test(batch)) continue;
      const dir = path.join(outRoot, group, batch);
      const present = OUTPUT_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
      if (present.length === 0) continue;
      const missing = OUTPUT_FILES.find((f) => !present.includes(f));
      if (missing) throw new SimrunError('missing-file', 'batch output incomplete: file not found', path.join(dir, missing));
      names.push(`${group}/${batch}`);
    }
  }
  if (names.length === 0) {
    throw new SimrunError('missing-file',
      'no simrun outputs found (expected <ASSET>_<direction>/batch_<NNN>/metrics.parquet; run simrun --batch … --out first)',
      outRoot);
  }
  const key = (n: string) => {
    const b = parseBatchName(n);
    return [b.asset, b.direction, b.batch.length, b.batch] as const;
  };
  return names.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    return 0;
  });
}

// ---------------------------------------------------------------------------------------------
// Arrow tables → plain data

function column(table: arrow.Table, name: string, file: string): arrow.Vector {
  const col = table.getChild(name);
  if (!col) {
    const have = table.schema.fields.map((f) => f.name);
    const shown = have.length > 12 ? [...have.slice(0, 12), '…'] : have;
    throw new SimrunError('bad-schema', `missing column "${name}" (columns: ${shown.join(', ')})`, file);
  }
  return col;
}

function numbers(table: arrow.Table, name: string, file: string): number[] {
  const values = column(table, name, file).toArray() as ArrayLike<number | bigint | null>;
  return Array.from(values, (v) => (v === null ? NaN : Number(v)));
}

function strings(table: arrow.Table, name: string, file: string): string[] {
  const col = column(table, name, file);
  return Array.from({ length: col.length }, (_, i) => String(col.get(i) ?? ''));
}

/** A date column as days since the epoch. */
function epochDays(table: arrow.Table, name: string, file: string): number[] {
  const col = column(table, name, file);
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
  const names = strings(table, 'strategy', file);
  const index = new Map(strategies.map((s, i) => [s, i]));
  const code = (list: readonly string[], field: string) => {
    const values = strings(table, field, file);
    return values.map((v, r) => {
      const c = list.indexOf(v);
      if (c < 0) throw new SimrunError('bad-value', `row ${r}: ${field} "${v}" is not one of ${list.join(', ')}`, file);
      return c;
    });
  };
  const direction = code(DIRECTION_NAMES, 'direction');
  const status = code(STATUS_NAMES, 'status');
  const reason = code(REASON_NAMES, 'exit_reason');
  const ints = (name: string) => numbers(table, name, file);
  const tradeId = ints('trade_id');
  const entryIdx = ints('entry_idx');
  const exitIdx = ints('exit_idx');
  const floats = {
    entryPrice: numbers(table, 'entry_price', file), entryFees: numbers(table, 'entry_fees', file),
    exitPrice: numbers(table, 'exit_price', file), exitFees: numbers(table, 'exit_fees', file),
    size: numbers(table, 'size', file), pnl: numbers(table, 'pnl', file), return: numbers(table, 'return', file),
  };
  const col = names.map((s, r) => {
    const c = index.get(s);
    if (c === undefined) throw new SimrunError('bad-value', `row ${r}: strategy "${s}" is not in metrics.parquet`, file);
    return c;
  });
  const offsets = new Int32Array(strategies.length + 1);
  for (const c of col) offsets[c + 1]++;
  for (let c = 0; c < strategies.length; c++) offsets[c + 1] += offsets[c];
  const next = offsets.slice(0, strategies.length);
  const rec: TradeRecords = {
    length: n,
    strategy: new Int32Array(n), tradeId: new Int32Array(n),
    direction: new Uint8Array(n), status: new Uint8Array(n), exitReason: new Uint8Array(n),
    entryIdx: new Int32Array(n), exitIdx: new Int32Array(n),
    entryPrice: new Float64Array(n), entryFees: new Float64Array(n), exitPrice: new Float64Array(n),
    exitFees: new Float64Array(n), size: new Float64Array(n), pnl: new Float64Array(n), return: new Float64Array(n),
    offsets,
  };
  for (let r = 0; r < n; r++) {
    const k = next[col[r]]++;
    rec.strategy[k] = col[r];
    rec.tradeId[k] = tradeId[r];
    rec.direction[k] = direction[r];
    rec.status[k] = status[r];
    rec.exitReason[k] = reason[r];
    rec.entryIdx[k] = entryIdx[r];
    rec.exitIdx[k] = exitIdx[r];
    rec.entryPrice[k] = floats.entryPrice[r];
    rec.entryFees[k] = floats.entryFees[r];
    rec.exitPrice[k] = floats.exitPrice[r];
    rec.exitFees[k] = floats.exitFees[r];
    rec.size[k] = floats.size[r];
    rec.pnl[k] = floats.pnl[r];
    rec.return[k] = floats.return[r];
  }
  return rec;
}

/** Our metrics.parquet rows as StrategyMetrics (what compareMetrics takes). */
export function strategyMetricsFromTable(table: arrow.Table, file: string): StrategyMetrics[] {
  const names = strings(table, 'strategy', file);
  const cols = Object.fromEntries(METRIC_COLUMNS.map((m) => [m, numbers(table, m, file)]));
  return names.map((strategy, r) => {
    const row = { strategy } as StrategyMetrics;
    for (const m of METRIC_COLUMNS) row[m] = cols[m][r];
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
function compareBatch(outDir: string, loaded: LoadedBatch, trades: arrow.Table, dataRoot: string): Agreement | null {
  const ref = batchPaths(dataRoot, loaded.info.name);
  if (!fs.existsSync(ref.trades)) return null;
  const tradesFile = path.join(outDir, 'trades.parquet');
  const dailyFile = path.join(outDir, 'daily_returns.parquet');
  const records = tradeRecordsFromTable(trades, loaded.strategies, tradesFile);
  const base = compareTrades(records, loaded.strategies, readParquetTable(ref.trades), ref.trades, 3);
  const m = fs.existsSync(ref.metrics)
    ? compareMetrics(strategyMetricsFromTable(loaded.metrics, loaded.metricsFile), readParquetTable(ref.metrics), ref.metrics, 3)
    : null;
  const d = fs.existsSync(ref.dailyReturns)
    ? compareDailyReturns(readParquetTable(dailyFile), readParquetTable(ref.dailyReturns), ref.dailyReturns, 3)
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

export function collectReport(opts: CollectOptions): ReportData {
  const names = scanOutputs(opts.out);
  const manifest = fs.existsSync(path.join(opts.out, MANIFEST)) ? readManifest(opts.out) : null;

  // per batch: metrics, the trade count and (where the data root has reference outputs) the comparison
  const agreement: Agreement[] = [];
  const batches: LoadedBatch[] = names.map((name) => {
    const b = parseBatchName(name);
    const dir = path.join(opts.out, `${b.asset}_${b.direction}`, b.batch);
    const metricsFile = path.join(dir, 'metrics.parquet');
    const metrics = readParquetTable(metricsFile);
    const trades = readParquetTable(path.join(dir, 'trades.parquet'));
    const entry = manifest?.batches[name];
    const loaded: LoadedBatch = {
      info: {
        name, asset: b.asset, direction: b.direction, strategies: metrics.numRows, trades: trades.numRows,
        seconds: typeof entry?.seconds === 'number' ? entry.seconds : null, finishedAt: entry?.finishedAt ?? null,
      },
      metricsFile,
      metrics,
      strategies: strings(metrics, 'strategy', metricsFile),
    };
    const a = opts.data ? compareBatch(dir, loaded, trades, opts.data) : null;
    if (a) agreement.push(a);
    return loaded;
  });

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
    const b = parseBatchName(batches[bi].info.name);
    const file = path.join(opts.out, `${b.asset}_${b.direction}`, b.batch, 'daily_returns.parquet');
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
