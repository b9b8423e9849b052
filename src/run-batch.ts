// One batch end to end: layout → read → memory → pool → kernel → records → metrics → write
// (→ compare). Outputs appear whole or not at all.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { availableParallelism } from 'node:os';
import { batchPaths, outputDir, parseBatchName, type BatchPaths } from './batch/layout.js';
import { checkOutputsBesideInputs, checkReplaceable } from './batch/ownership.js';
import { checkSignalRows, readBars, readParamsFile, type SignalColumns } from './batch/read.js';
import { openParquetColumns, readParquetColumns } from './batch/read-columns.js';
import { startSignalsRead } from './batch/read-thread.js';
import { copyBits } from './engine/signal-bits.js';
import { publishBatchOutputs, ROW_GROUP_ROWS, tableToParquet, tableToParquetInGroups } from './batch/write.js';
import { pipelineDays, type PipelineDays } from './calendar.js';
import { compareDailyReturns, compareMetrics, compareTrades, type CompareReport } from './compare.js';
import type { SimConfig } from './config.js';
import { runKernel, type KernelOutputs } from './engine/run-kernel.js';
import { SimrunError } from './errors.js';
import { checkOutputNames, computeMetrics, dailyReturnsTable, metricsTable, type StrategyMetrics } from './metrics.js';
import type { NamedColumns } from './named-columns.js';
import { TRADE_LABEL_COLUMNS, tradesTable, type TradeRecords } from './records.js';
import { sharedPool } from './simulate.js';
import type { Bars, Direction, StrategyParams } from './types.js';
import { checkStrategySettings, type SettingsInput, validateConfig, validateMinuteBars, validateScale, validateThreads, validateValuePrices } from './validate.js';
import { columnSettings, ENUM_CODES, isNumberSetting, SETTING_DOCS, SETTING_OF_COLUMN, type ColumnSettings } from './settings.js';

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
  /** Batch-wide settings (names or text are checked like the CLI's; params.csv sets them per strategy). */
  config?: SettingsInput;
  /** Skip writing outputs (library use: results are returned anyway). */
  write?: boolean;
  onStage?: (stage: Stage) => void;
  onProgress?: (columnsDone: number, columns: number) => void;
  /** Internal (tests): every column on the kernel's general path, which must agree with the fast one. */
  generalAll?: boolean;
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

/**
 * The params columns carried into metrics.parquet, as (name, column) pairs: the stops, then each
 * setting params.csv has a column for (the value the strategy ran with: numbers as float64, enum
 * settings by name), then the other columns as text, in file order.
 */
function paramsColumns(params: StrategyParams[], settings: ColumnSettings, given: readonly string[]): NamedColumns {
  const cols: NamedColumns = [
    ['tp_stop', arrow.makeVector(Float64Array.from(params, (p) => p.tpStop))],
    ['sl_stop', arrow.makeVector(Float64Array.from(params, (p) => p.slStop))],
    ['tsl_stop', arrow.makeVector(Float64Array.from(params, (p) => p.tslStop))],
  ];
  for (const column of given) {
    const key = SETTING_OF_COLUMN.get(column)!;
    if (isNumberSetting(key)) {
      cols.push([column, arrow.makeVector(settings[key].slice())]);
    } else {
      const names = Object.keys(ENUM_CODES[key]);
      const codes = settings.codes[key];
      const byCode = new Map(names.map((n) => [(ENUM_CODES[key] as Record<string, number>)[n], n]));
      cols.push([column, arrow.vectorFromArray(Array.from(codes, (code) => byCode.get(code)!), new arrow.Utf8())]);
    }
  }
  for (const key of params[0]?.extra.keys() ?? []) {
    cols.push([key, arrow.vectorFromArray(params.map((p) => p.extra.get(key) ?? ''), new arrow.Utf8())]);
  }
  return cols;
}

/** Bars (and their trading days) of the last asset read, reused while a sweep stays on that asset. */
export class BarsCache {
  private key = '';
  private value: { bars: Bars; days: PipelineDays } | undefined;

  get(file: string, read: () => { bars: Bars; days: PipelineDays }): { bars: Bars; days: PipelineDays } {
    const stat = statSync(file, { throwIfNoEntry: false });
    const key = stat ? `${file}\0${stat.size}\0${stat.mtimeMs}` : '';
    if (key && key === this.key && this.value) return this.value;
    const value = read();
    [this.key, this.value] = [key, value];
    return value;
  }
}

/** A batch's settings and places, checked before any work. */
export interface BatchPlan {
  opts: RunBatchOptions;
  config: SimConfig;
  threads: number;
  direction: Direction;
  paths: BatchPaths;
  /** Null with `write: false`. */
  outDir: string | null;
}

/** Checks a batch's settings and where its outputs go; reads nothing. */
export function planBatch(opts: RunBatchOptions): BatchPlan {
  const config = validateConfig(opts.config, 'runBatch()');
  const threads = validateThreads(opts.threads ?? availableParallelism(), 'runBatch()');
  const name = parseBatchName(opts.batch);
  const paths = batchPaths(opts.data ?? bundledDataRoot(), opts.batch);
  const outDir = opts.write === false ? null : outputDir(opts.out ?? 'simrun-out', opts.batch);
  if (outDir) {
    // before any work: the outputs may not replace an input or a folder simrun did not make
    checkOutputsBesideInputs(outDir, [paths.dir, path.dirname(paths.ohlcv)]);
    checkReplaceable(outDir);
  }
  return { opts, config, threads, direction: name.direction, paths, outDir };
}

/** A batch's inputs, read and checked: phase 1 of a batch. */
export interface BatchInputs {
  bars: Bars;
  days: PipelineDays;
  params: StrategyParams[];
  /** The setting columns params.csv has, in file order (carried into metrics.parquet). */
  settingColumns: string[];
  /** Every strategy's settings: the batch's, with its params.csv values over them. */
  settings: ColumnSettings;
  strategies: string[];
  signals: SignalColumns;
  /** Seconds the read took. */
  seconds: number;
}

/**
 * Reads and checks a batch's inputs. signals.parquet is decoded on the reader thread while this
 * thread reads the bars, then on both; errors come in the order bars, params, signals.
 */
export async function readBatch(plan: BatchPlan, cache?: BarsCache): Promise<BatchInputs> {
  const t = performance.now();
  const { paths, direction } = plan;
  let params: StrategyParams[] | undefined;
  let settingColumns: string[] = [];
  let paramsError: unknown;
  try {
    ({ params, settingColumns } = readParamsFile(paths.params));
    checkOutputNames(params.map((p) => p.strategy), [...settingColumns, ...(params[0]?.extra.keys() ?? [])], paths.params);
    const column = (key: keyof typeof SETTING_DOCS) => SETTING_DOCS[key].column ?? key;
    for (const p of params) {
      checkStrategySettings(plan.config, p.settings, { source: paths.params, strategy: p.strategy, name: column },
        { bothSides: direction === 'longshort', stop: [p.tpStop, p.slStop, p.tslStop].some((x) => !Number.isNaN(x)) });
    }
  } catch (e) {
    [params, paramsError] = [undefined, e];
  }
  const strategies = params?.map((p) => p.strategy) ?? [];
  const signalsRead = params ? startSignalsRead(paths.signals, { direction, strategies }) : null;
  const readBarsAndDays = () => {
    const bars = readBars(paths.ohlcv);
    validateMinuteBars(bars.time, paths.ohlcv);
    return { bars, days: pipelineDays(bars.time) };
  };
  const { bars, days } = cache ? cache.get(paths.ohlcv, readBarsAndDays) : readBarsAndDays();
  if (!params) throw paramsError;
  const settings = columnSettings(plan.config, params.length, params.map((p) => p.settings));
  // depends on the cash: not cached with the bars; the largest cash sizes the largest orders
  validateScale(settings.initCash.reduce((a, b) => Math.max(a, b), plan.config.initCash), bars.low, paths.ohlcv);
  validateValuePrices(settings, strategies, bars, paths.ohlcv);
  // this thread is free now: it decodes the signal columns the reader thread has not reached yet
  const signals = await signalsRead!.finish(true);
  checkSignalRows(signals.rows, paths.signals, { direction, strategies, rows: bars.close.length });
  return { bars, days, params, settingColumns, settings, strategies, signals, seconds: (performance.now() - t) / 1000 };
}

/** What the kernel left for a batch: phase 2, done when the kernel's memory is free for the next batch. */
export interface BatchSimulation {
  out: KernelOutputs;
  /** Seconds the kernel took (placing signals, running, copying the records out). */
  seconds: number;
}

/** Runs the kernel over a batch's inputs, which gives up their signals. Only one batch may be in the kernel at a time. */
export async function simulateBatch(plan: BatchPlan, inputs: BatchInputs): Promise<BatchSimulation> {
  const t = performance.now();
  const { bars, days, params, strategies, signals, settings } = inputs;
  const out = await runKernel(sharedPool(plan.threads), {
    open: bars.open, high: bars.high, low: bars.low, close: bars.close,
    dayEnds: days.dayEnds,
    nCols: params.length,
    hasLong: plan.direction !== 'short',
    hasShort: plan.direction !== 'long',
    tp: Float64Array.from(params, (p) => p.tpStop),
    sl: Float64Array.from(params, (p) => p.slStop),
    tsl: Float64Array.from(params, (p) => p.tslStop),
    config: plan.config,
    generalAll: plan.opts.generalAll,
    settings,
    longExit: strategies.map((s) => signals.columns.get(s)!.longExit !== null),
    shortExit: strategies.map((s) => signals.columns.get(s)!.shortExit !== null),
    placeSignals(col, long, short, longExit, shortExit) {
      const cols = signals.columns.get(strategies[col])!;
      if (long && cols.long) copyBits(cols.long, long);
      if (short && cols.short) copyBits(cols.short, short);
      if (longExit && cols.longExit) copyBits(cols.longExit, longExit);
      if (shortExit && cols.shortExit) copyBits(cols.shortExit, shortExit);
    },
  }, plan.opts.onProgress);
  // the bits now live in the kernel's memory: let the JS copies go before the outputs are built
  // (50 MB on a full longshort batch, the difference between under and over 1 GiB at the peak)
  signals.columns.clear();
  return { out, seconds: (performance.now() - t) / 1000 };
}

/**
 * Phase 3: the output tables from the kernel's arrays, written (unless `write: false`) and compared
 * (with `compare`). `t0` is when the batch started, for its total.
 */
export async function finishBatch(plan: BatchPlan, inputs: BatchInputs, sim: BatchSimulation, t0: number): Promise<RunBatchResult> {
  const { opts, paths, outDir } = plan;
  const seconds = { read: inputs.seconds, simulate: sim.seconds, write: 0, compare: 0, total: 0 };
  const lap = (stage: Stage, since: number) => { seconds[stage] += (performance.now() - since) / 1000; };
  const { bars, days, params, strategies, settings } = inputs;
  const { out } = sim;

  let t = performance.now();
  const trades = tradesTable(out.records, strategies, bars.time);
  const metrics = computeMetrics(strategies, out.records, out.stats, bars.close.length, settings.initCash);
  const metricsOut = metricsTable(metrics, paramsColumns(params, settings, inputs.settingColumns));
  const daily = dailyReturnsTable(strategies, days.days, out.dailyValues, settings.initCash);
  lap('simulate', t);

  if (outDir) {
    opts.onStage?.('write');
    t = performance.now();
    publishBatchOutputs(outDir, {
      'trades.parquet': await tableToParquetInGroups(trades, ROW_GROUP_ROWS, { noStatistics: TRADE_LABEL_COLUMNS }),
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
    // the reference trades column by column: none of them outlives its comparison
    const refTrades = await openParquetColumns(paths.trades);
    const base = await compareTrades(out.records, strategies, refTrades.read, paths.trades).finally(refTrades.close);
    const m = existsSync(paths.metrics) ? compareMetrics(metrics, await readParquetColumns(paths.metrics), paths.metrics) : null;
    const d = existsSync(paths.dailyReturns)
      ? compareDailyReturns(daily, await readParquetColumns(paths.dailyReturns), paths.dailyReturns) : null;
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

/** One batch: {@link planBatch} → {@link readBatch} → {@link simulateBatch} → {@link finishBatch}. */
export async function runBatch(opts: RunBatchOptions): Promise<RunBatchResult> {
  const t0 = performance.now();
  const plan = planBatch(opts);
  opts.onStage?.('read');
  const inputs = await readBatch(plan);
  opts.onStage?.('simulate');
  const sim = await simulateBatch(plan, inputs);
  return finishBatch(plan, inputs, sim, t0);
}
