// One simulation over the shared memory: lay out the batch, let the caller place signals, run
// all columns on the pool, copy the results out.
import { STATS_SLOTS } from '../../assembly/layout/records.js';
import type { SimConfig } from '../config.js';
import { collectRecords, type TradeRecords } from '../records.js';
import { planMemory, type MemoryPlan } from './memory.js';
import { signalBytes } from './signal-bits.js';
import type { KernelPool, ProgressFn } from './pool.js';
import { columnSettings, type ColumnSettings } from '../settings.js';
import { runsGeneral } from './general-columns.js';

export interface KernelInputs {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  dayEnds: Int32Array;
  nCols: number;
  hasLong: boolean;
  hasShort: boolean;
  tp: Float64Array;
  sl: Float64Array;
  tsl: Float64Array;
  config: SimConfig;
  /** Every column's settings (src/settings.ts: columnSettings); default: the config's for all. */
  settings?: ColumnSettings;
  /** Per column: whether it has long/short exit signals (default: none). */
  longExit?: readonly boolean[];
  shortExit?: readonly boolean[];
  /**
   * Writes column `col`'s signals as bits (bar i at byte i >> 3, bit i & 7, as Arrow packs them;
   * signal-bits.ts: copyBits, packBits) into `long`/`short`: zeroed views of ceil(nBars / 8) bytes
   * into WASM memory.
   */
  placeSignals(col: number, long: Uint8Array | null, short: Uint8Array | null,
    longExit: Uint8Array | null, shortExit: Uint8Array | null): void;
  /** Bars per tile and columns per group (default: memory.ts); results never depend on them. */
  tileBars?: number;
  /** Run every column on the kernel's general path (tests: it must agree with the fast path). */
  generalAll?: boolean;
  groupCols?: number;
}

export interface KernelOutputs {
  records: TradeRecords;
  /** nCols × STATS_SLOTS accumulators (assembly/layout/records.ts). */
  stats: Float64Array;
  /** nCols × nDays: the value at each day's last bar. */
  dailyValues: Float64Array;
  plan: MemoryPlan;
}

/** Simulates one batch in the pool; calls made at the same time take their turns. */
export function runKernel(pool: KernelPool, input: KernelInputs, onProgress?: ProgressFn): Promise<KernelOutputs> {
  return pool.exclusive(() => runKernelNow(pool, input, onProgress));
}

async function runKernelNow(pool: KernelPool, input: KernelInputs, onProgress?: ProgressFn): Promise<KernelOutputs> {
  const nBars = input.close.length;
  const nDays = input.dayEnds.length;
  const settings = input.settings ?? columnSettings(input.config, input.nCols);
  const general = Array.from({ length: input.nCols }, (_, c) =>
    input.generalAll === true || runsGeneral(settings, c, Boolean(input.longExit?.[c] || input.shortExit?.[c])));
  const plan = planMemory({ nBars, nCols: input.nCols, nDays, hasLong: input.hasLong,
    hasShort: input.hasShort, longExit: input.longExit, shortExit: input.shortExit, general,
    threads: pool.threads, recordBytes: pool.recordBytes, tileBars: input.tileBars, groupCols: input.groupCols });
  const memory = pool.prepare(plan);
  const buf = memory.buffer;
  new Float64Array(buf, plan.open, nBars).set(input.open);
  new Float64Array(buf, plan.high, nBars).set(input.high);
  new Float64Array(buf, plan.low, nBars).set(input.low);
  new Float64Array(buf, plan.close, nBars).set(input.close);
  new Int32Array(buf, plan.dayEnd, nDays).set(input.dayEnds);
  const padded = signalBytes(nBars);
  const used = Math.ceil(nBars / 8);
  for (let c = 0; c < input.nCols; c++) {
    const long = plan.long[c] ? new Uint8Array(buf, plan.long[c], padded) : null;
    const short = plan.short[c] ? new Uint8Array(buf, plan.short[c], padded) : null;
    // the memory is shared with earlier calls: every byte is rewritten, so a side the caller does
    // not place reads as "no signal", never as the previous call's signals
    const longExit = plan.longExit[c] ? new Uint8Array(buf, plan.longExit[c], padded) : null;
    const shortExit = plan.shortExit[c] ? new Uint8Array(buf, plan.shortExit[c], padded) : null;
    long?.fill(0);
    short?.fill(0);
    longExit?.fill(0);
    shortExit?.fill(0);
    input.placeSignals(c, long && long.subarray(0, used), short && short.subarray(0, used),
      longExit && longExit.subarray(0, used), shortExit && shortExit.subarray(0, used));
    if (plan.anySignal[c]) {
      // a general column's in-position scan stops at any signal: the OR of its four
      const any = new Uint32Array(buf, plan.anySignal[c], padded >> 2);
      any.fill(0);
      for (const side of [long, short, longExit, shortExit]) {
        if (!side) continue;
        const words = new Uint32Array(buf, side.byteOffset, padded >> 2);
        for (let w = 0; w < words.length; w++) any[w] |= words[w];
      }
    }
  }
  await pool.run(plan, { config: input.config, tp: input.tp, sl: input.sl, tsl: input.tsl, settings }, onProgress);
  const after = memory.buffer; // may have grown while running
  const out = {
    records: collectRecords(memory, plan),
    stats: new Float64Array(after, plan.stats, input.nCols * STATS_SLOTS).slice(),
    dailyValues: new Float64Array(after, plan.dailyValues, input.nCols * nDays).slice(),
    plan,
  };
  checkFinite(out.records, out.dailyValues);
  return out;
}

/** Index of the first NaN or ±inf in `a`, or -1. One multiply-add per value: x·0 is NaN only for them. */
export function firstNonFinite(a: Float64Array): number {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc += a[i] * 0;
  if (acc === 0) return -1;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/**
 * Inputs and settings are validated, so a NaN or infinity in a price, size, fee or PnL is simrun's
 * own failure: an internal error (exit 3), never a published file.
 */
export function checkFinite(rec: TradeRecords, dailyValues: Float64Array): void {
  const fields: Array<[string, Float64Array]> = [
    ['entry_price', rec.entryPrice], ['exit_price', rec.exitPrice], ['size', rec.size], ['pnl', rec.pnl],
    ['entry_fees', rec.entryFees], ['exit_fees', rec.exitFees], ['return', rec.return], ['daily value', dailyValues],
  ];
  for (const [name, values] of fields) {
    const i = firstNonFinite(values);
    if (i >= 0) {
      const where = name === 'daily value' ? `the daily value at index ${i}` : `${name} of trade ${i} (strategy #${rec.strategy[i]})`;
      throw new Error(`the simulation produced ${values[i]} in ${where}; no output was written`);
    }
  }
}
