// One batch end to end: layout → read → memory → pool → kernel → records → metrics → write
// (→ compare). Outputs appear whole or not at all.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { availableParallelism } from 'node:os';
import { batchPaths, outputDir, parseBatchName } from './batch/layout.js';
import { checkOutputsBesideInputs, checkReplaceable } from './batch/ownership.js';
import { readBars, readParams, readSignals, unpackBits } from './batch/read.js';
import { publishBatchOutputs, readParquetTable, tableToParquet } from './batch/write.js';
import { pipelineDays } from './calendar.js';
import { compareDailyReturns, compareMetrics, compareTrades, type CompareReport } from './compare.js';
import type { SimConfig } from './config.js';
import { runKernel } from './engine/run-kernel.js';
import { SimrunError } from './errors.js';
import { checkOutputNames, computeMetrics, dailyReturnsTable, metricsTable, type StrategyMetrics } from './metrics.js';
import type { NamedColumns } from './named-columns.js';
import { tradesTable, type TradeRecords } from './records.js';
import { sharedPool } from './simulate.js';
import type { StrategyParams } from './types.js';
import { validateConfig, validateMinuteBars, validateThreads } from './validate.js';

/** The bundled reference tree (reference-data/data), found from src/ and dist/src/ alike. */
export function bundledDataRoot(): string {
  for (const rel of ['../reference-data/data', '../../reference-data/data']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return fileURLToPath(new URL('../reference-data/data', import.meta.url));
}

export type Stage = 'read' | 'simulate' | 'write' | 'compare';

export interface RunBatchOptions {
  /** `<ASSET>_<direction>/batch_<NNN>`. */
  batch: string;
  /** Data root (default: the bundled reference tree). */
  data?: string;
  /** Output root (default `./simrun-out`); outputs go to `<out>/<batch>/`. */
  out?: string;
  /** Compare with the batch's reference outputs (trades.parquet, metrics.parquet, daily_returns.parquet). */
  compare?: boolean;
  threads?: number;
  config?: Partial<SimConfig>;
  /** Skip writing outputs (library use: results are returned anyway). */
  write?: boolean;
  onStage?: (stage: Stage) => void;
  onProgress?: (columnsDone: number, columns: number) => void;
}

export interface RunBatchResult {
  batch: string;
  outDir: string | null;
  bars: number;
  strategies: string[];
  trades: number;
  records: TradeRecords;
  tradesTable: arrow.Table;
  metrics: StrategyMetrics[];
  compare: CompareReport | null;
  /** Seconds per stage. */
  seconds: Record<Stage | 'total', number>;
}

/** The params columns carried into metrics.parquet, as (name, column) pairs in file order. */
function paramsColumns(params: StrategyParams[]): NamedColumns {
  const cols: NamedColumns = [
    ['tp_stop', arrow.makeVector(Float64Array.from(params, (p) => p.tpStop))],
    ['sl_stop', arrow.makeVector(Float64Array.from(params, (p) => p.slStop))],
    ['tsl_stop', arrow.makeVector(Float64Array.from(params, (p) => p.tslStop))],
  ];
  for (const key of params[0]?.extra.keys() ?? []) {
    cols.push([key, arrow.vectorFromArray(params.map((p) => p.extra.get(key) ?? ''), new arrow.Utf8())]);
  }
  return cols;
}

export async function runBatch(opts: RunBatchOptions): Promise<RunBatchResult> {
  const t0 = performance.now();
  const seconds = { read: 0, simulate: 0, write: 0, compare: 0, total: 0 };
  const lap = (stage: Stage, since: number) => { seconds[stage] = (performance.now() - since) / 1000; };
  const config: SimConfig = validateConfig(opts.config, 'runBatch()');
  const threads = validateThreads(opts.threads ?? availableParallelism(), 'runBatch()');
  const name = parseBatchName(opts.batch);
  const dataRoot = opts.data ?? bundledDataRoot();
  const paths = batchPaths(dataRoot, opts.batch);
  const outDir = opts.write === false ? null : outputDir(opts.out ?? 'simrun-out', opts.batch);
  if (outDir) {
    // before any work: the outputs may not replace an input or a folder simrun did not make
    checkOutputsBesideInputs(outDir, [paths.dir, path.dirname(paths.ohlcv)]);
    checkReplaceable(outDir);
  }

  opts.onStage?.('read');
  let t = performance.now();
  const bars = readBars(paths.ohlcv);
  validateMinuteBars(bars.time, paths.ohlcv);
  const params = readParams(paths.params);
  const strategies = params.map((p) => p.strategy);
  checkOutputNames(strategies, [...(params[0]?.extra.keys() ?? [])], paths.params);
  const signals = await readSignals(paths.signals, { rows: bars.close.length, direction: name.direction, strategies });
  const days = pipelineDays(bars.time);
  lap('read', t);

  opts.onStage?.('simulate');
  t = performance.now();
  const out = await runKernel(sharedPool(threads), {
    open: bars.open, high: bars.high, low: bars.low, close: bars.close,
    dayEnds: days.dayEnds,
    nCols: params.length,
    hasLong: name.direction !== 'short',
    hasShort: name.direction !== 'long',
    tp: Float64Array.from(params, (p) => p.tpStop),
    sl: Float64Array.from(params, (p) => p.slStop),
    tsl: Float64Array.from(params, (p) => p.tslStop),
    config,
    placeSignals(col, long, short) {
      const cols = signals.columns.get(strategies[col])!;
      if (long && cols.long) unpackBits(cols.long, long);
      if (short && cols.short) unpackBits(cols.short, short);
    },
  }, opts.onProgress);
  const trades = tradesTable(out.records, strategies, bars.time);
  const metrics = computeMetrics(strategies, out.records, out.stats, bars.close.length, config);
  const metricsOut = metricsTable(metrics, paramsColumns(params));
  const daily = dailyReturnsTable(strategies, days.days, out.dailyValues, config.initCash);
  lap('simulate', t);

  if (outDir) {
    opts.onStage?.('write');
    t = performance.now();
    publishBatchOutputs(outDir, {
      'trades.parquet': tableToParquet(trades),
      'metrics.parquet': tableToParquet(metricsOut),
      'daily_returns.parquet': tableToParquet(daily),
    });
    lap('write', t);
  }

  let compare: CompareReport | null = null;
  if (opts.compare) {
    opts.onStage?.('compare');
    t = performance.now();
    if (!existsSync(paths.trades)) {
      throw new SimrunError('missing-file', 'no reference trades to compare with', paths.trades);
    }
    const base = compareTrades(out.records, strategies, readParquetTable(paths.trades), paths.trades);
    const m = existsSync(paths.metrics) ? compareMetrics(metrics, readParquetTable(paths.metrics), paths.metrics) : null;
    const d = existsSync(paths.dailyReturns)
      ? compareDailyReturns(daily, readParquetTable(paths.dailyReturns), paths.dailyReturns) : null;
    compare = {
      ...base, metrics: m, dailyReturns: d,
      ok: base.mismatchedRecords === 0 && (m?.mismatched ?? 0) === 0 && (d?.mismatched ?? 0) === 0,
    };
    lap('compare', t);
  }
  seconds.total = (performance.now() - t0) / 1000;
  return {
    batch: opts.batch, outDir, bars: bars.close.length, strategies, trades: out.records.length,
    records: out.records, tradesTable: trades, metrics, compare, seconds,
  };
}
