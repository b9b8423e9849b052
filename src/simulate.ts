// The library call on in-memory arrays: bars + per-strategy signals and stops → trade records.
import type * as arrow from 'apache-arrow';
import { availableParallelism } from 'node:os';
import type { SimConfig, TradeSettings } from './config.js';
import { SimrunError } from './errors.js';
import { KernelPool } from './engine/pool.js';
import { runKernel } from './engine/run-kernel.js';
import { packBits } from './engine/signal-bits.js';
import { tradesTable, type TradeRecords } from './records.js';
import { columnSettings, SETTING_DOCS, type SettingOverrides } from './settings.js';
import type { StrategySignals } from './types.js';
import {
  checkStrategySettings, settingValue, type SettingsInput, validateConfig, validatePrices, validateScale, validateSignalBytes, validateStop, validateThreads, validateTimes, validateValuePrices,
} from './validate.js';

export interface SimulateStrategy {
  name: string;
  /** Long entries, one 0/1 (or boolean) per bar; omit for none. */
  long?: ArrayLike<number | boolean> | null;
  /** Short entries, one 0/1 (or boolean) per bar; omit for none. */
  short?: ArrayLike<number | boolean> | null;
  /** Long exits (vectorbt's `exits`), one 0/1 (or boolean) per bar; omit for none. */
  longExit?: ArrayLike<number | boolean> | null;
  /** Short exits (vectorbt's `short_exits`); omit for none. */
  shortExit?: ArrayLike<number | boolean> | null;
  /** This strategy's own settings over `config` (as params.csv sets them in a batch). */
  settings?: SettingsInput;
  /** Stops as fractions (0.015 = 1.5 %); omit, null or NaN = off. */
  tpStop?: number | null;
  slStop?: number | null;
  tslStop?: number | null;
}

export interface SimulateOptions {
  bars: {
    open: ArrayLike<number>;
    high: ArrayLike<number>;
    low: ArrayLike<number>;
    close: ArrayLike<number>;
    /** UTC epoch milliseconds, for the trades' entry/exit times; default: the bar index. */
    time?: ArrayLike<number>;
  };
  strategies: SimulateStrategy[];
  config?: SettingsInput;
  /** Threads to use (default: all cores). */
  threads?: number;
}

export interface SimulateResult {
  strategies: string[];
  /** Plain typed view of every trade. */
  records: TradeRecords;
  /** The same trades as an Arrow table (reference-data/SCHEMA.md columns). */
  trades: arrow.Table;
}

const pools = new Map<number, KernelPool>();

/** A pool per thread count, kept for reuse across calls (its workers never hold the process open). */
export function sharedPool(threads = availableParallelism()): KernelPool {
  let pool = pools.get(threads);
  if (!pool) pools.set(threads, (pool = new KernelPool(threads)));
  return pool;
}

/** Terminates the worker threads kept by `simulate` and `runBatch`. */
export async function shutdown(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.close()));
  pools.clear();
}

const stop = (v: number | null | undefined) => (v == null ? NaN : v);
const toF64 = (a: ArrayLike<number>) => (a instanceof Float64Array ? a : Float64Array.from(a));
const toBytes = (a: ArrayLike<number | boolean>) => Uint8Array.from(a as ArrayLike<number>, (v) => Number(v));

/** A strategy's own settings, each checked as any setting is (batch-wide ones only in `config`). */
function strategyOverrides(s: SimulateStrategy, source: string): SettingOverrides {
  const own: SettingOverrides = {};
  if (s.settings == null) return own;
  if (typeof s.settings !== 'object') throw new SimrunError('bad-argument', `strategy "${s.name}" settings must be an object`, source);
  for (const [key, raw] of Object.entries(s.settings)) {
    if (raw === undefined) continue;
    if (!Object.hasOwn(SETTING_DOCS, key) || SETTING_DOCS[key as keyof SimConfig].column === null) {
      throw new SimrunError('bad-argument', `strategy "${s.name}": "${key}" is not a per-strategy setting`, source);
    }
    const r = settingValue(key as keyof TradeSettings, raw, false);
    if ('problem' in r) throw new SimrunError('bad-argument', `strategy "${s.name}" settings.${key} ${r.problem}`, source);
    (own as Record<string, unknown>)[key] = r.value;
  }
  return own;
}

export async function simulate(opts: SimulateOptions): Promise<SimulateResult> {
  const source = 'simulate()';
  const config: SimConfig = validateConfig(opts.config, source);
  const threads = validateThreads(opts.threads ?? availableParallelism(), source);
  const bars = { open: toF64(opts.bars.open), high: toF64(opts.bars.high), low: toF64(opts.bars.low),
    close: toF64(opts.bars.close) };
  validatePrices(bars, source);
  const n = bars.close.length;
  const time = opts.bars.time ? toF64(opts.bars.time) : Float64Array.from({ length: n }, (_, i) => i);
  if (time.length !== n) throw new SimrunError('shape-mismatch', `time has ${time.length} rows, the bars have ${n}`, source);
  validateTimes(time, source);
  if (opts.strategies.length === 0) throw new SimrunError('bad-argument', 'no strategies given', source);
  const names = new Set<string>();
  for (const s of opts.strategies) {
    if (typeof s.name !== 'string') throw new SimrunError('bad-argument', `strategy name ${String(s.name)} is not a string`, source);
    if (names.has(s.name)) throw new SimrunError('bad-argument', `strategy "${s.name}" is given twice`, source);
    names.add(s.name);
  }

  const signals = opts.strategies.map((s): StrategySignals => {
    const side = (values: ArrayLike<number | boolean> | null | undefined, what: string) => {
      if (!values) return null;
      const bytes = toBytes(values);
      validateSignalBytes(bytes, n, `strategy "${s.name}" ${what}`, source);
      return bytes;
    };
    validateStop(stop(s.tpStop), `strategy "${s.name}" tpStop`, source);
    validateStop(stop(s.slStop), `strategy "${s.name}" slStop`, source);
    validateStop(stop(s.tslStop), `strategy "${s.name}" tslStop`, source);
    return { long: side(s.long, 'long entries'), short: side(s.short, 'short entries'),
      longExit: side(s.longExit, 'long exits'), shortExit: side(s.shortExit, 'short exits') };
  });
  const own = opts.strategies.map((s, c) => {
    const settings = strategyOverrides(s, source);
    checkStrategySettings(config, settings, { source, strategy: s.name, name: (key) => `settings.${key}`, kind: 'setting' }, {
      bothSides: signals[c].long !== null && signals[c].short !== null,
      stop: [s.tpStop, s.slStop, s.tslStop].some((x) => !Number.isNaN(stop(x))),
    });
    return settings;
  });
  const settings = columnSettings(config, opts.strategies.length, own);
  validateScale(settings.initCash.reduce((a, b) => Math.max(a, b), config.initCash), bars.low, source);
  validateValuePrices(settings, opts.strategies.map((s) => s.name), bars, source);
  const out = await runKernel(sharedPool(threads), {
    ...bars,
    dayEnds: new Int32Array(0),
    nCols: opts.strategies.length,
    hasLong: signals.some((s) => s.long),
    hasShort: signals.some((s) => s.short),
    tp: Float64Array.from(opts.strategies, (s) => stop(s.tpStop)),
    sl: Float64Array.from(opts.strategies, (s) => stop(s.slStop)),
    tsl: Float64Array.from(opts.strategies, (s) => stop(s.tslStop)),
    config,
    settings,
    longExit: signals.map((s) => s.longExit !== null),
    shortExit: signals.map((s) => s.shortExit !== null),
    placeSignals(col, long, short, longExit, shortExit) {
      const s = signals[col];
      if (long && s.long) packBits(s.long, long);
      if (short && s.short) packBits(s.short, short);
      if (longExit && s.longExit) packBits(s.longExit, longExit);
      if (shortExit && s.shortExit) packBits(s.shortExit, shortExit);
    },
  });
  const strategies = opts.strategies.map((s) => s.name);
  return { strategies, records: out.records, trades: tradesTable(out.records, strategies, time) };
}
