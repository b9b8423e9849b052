// The library call on in-memory arrays: bars + per-strategy signals and stops → trade records.
import type * as arrow from 'apache-arrow';
import { availableParallelism } from 'node:os';
import type { SimConfig } from './config.js';
import { SimrunError } from './errors.js';
import { KernelPool } from './engine/pool.js';
import { runKernel } from './engine/run-kernel.js';
import { packBits } from './engine/signal-bits.js';
import { tradesTable, type TradeRecords } from './records.js';
import {
  validateConfig, validatePrices, validateScale, validateSignalBytes, validateStop, validateThreads, validateTimes,
} from './validate.js';

export interface SimulateStrategy {
  name: string;
  /** Long entries, one 0/1 (or boolean) per bar; omit for none. */
  long?: ArrayLike<number | boolean> | null;
  /** Short entries, one 0/1 (or boolean) per bar; omit for none. */
  short?: ArrayLike<number | boolean> | null;
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
  config?: Partial<SimConfig>;
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

export async function simulate(opts: SimulateOptions): Promise<SimulateResult> {
  const source = 'simulate()';
  const config: SimConfig = validateConfig(opts.config, source);
  const threads = validateThreads(opts.threads ?? availableParallelism(), source);
  const bars = { open: toF64(opts.bars.open), high: toF64(opts.bars.high), low: toF64(opts.bars.low),
    close: toF64(opts.bars.close) };
  validatePrices(bars, source);
  validateScale(config.initCash, bars.low, source);
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

  const signals = opts.strategies.map((s) => {
    const long = s.long ? toBytes(s.long) : null;
    const short = s.short ? toBytes(s.short) : null;
    if (long) validateSignalBytes(long, n, `strategy "${s.name}" long entries`, source);
    if (short) validateSignalBytes(short, n, `strategy "${s.name}" short entries`, source);
    validateStop(stop(s.tpStop), `strategy "${s.name}" tpStop`, source);
    validateStop(stop(s.slStop), `strategy "${s.name}" slStop`, source);
    validateStop(stop(s.tslStop), `strategy "${s.name}" tslStop`, source);
    return { long, short };
  });
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
    placeSignals(col, long, short) {
      if (long && signals[col].long) packBits(signals[col].long!, long);
      if (short && signals[col].short) packBits(signals[col].short!, short);
    },
  });
  const strategies = opts.strategies.map((s) => s.name);
  return { strategies, records: out.records, trades: tradesTable(out.records, strategies, time) };
}
