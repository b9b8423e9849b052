// Property tests: the WASM kernel and the plain TypeScript model (test/model.ts) agree record for
// record, bit for bit, on random bars, signals, exits, stops and per-column from_signals settings;
// and the kernel's one-pass metric accumulators agree with metrics computed the long way from the
// model's full value series.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { RECORD_SIZE, STATS_SLOTS } from '../../assembly/layout/records.js';
import { INITIAL_RECORD_BYTES } from '../../src/engine/memory.js';
import { ANN_FACTOR, DEFAULT_CONFIG } from '../../src/config.js';
import { KernelPool } from '../../src/engine/pool.js';
import { runKernel } from '../../src/engine/run-kernel.js';
import { packBits } from '../../src/engine/signal-bits.js';
import { computeMetrics } from '../../src/metrics.js';
import type { TradeRecords } from '../../src/records.js';
import { DIRECTION_NAMES, REASON_NAMES, STATUS_NAMES } from '../../src/trade-codes.js';
import { columnSettings } from '../../src/settings.js';
import { effectiveSettings, simulateModel, type ModelColumn, type ModelTrade } from '../model.js';
import { barsArb, batchSettingsArb, columnArb, withoutPercentReversal, type Bars } from './arbitraries.js';

interface Case {
  bars: Bars;
  columns: ModelColumn[];
  hasLong: boolean;
  hasShort: boolean;
}

/** Columns with today's settings only (the seed call), or with every issue-14 setting drawn. */
const caseArbOf = (defaultsOnly: boolean): fc.Arbitrary<Case> =>
  fc.tuple(barsArb(), fc.constantFrom('long', 'short', 'longshort'))
    .chain(([bars, dir]) => {
      const hasLong = dir !== 'short';
      const hasShort = dir !== 'long';
      return fc.array(columnArb(bars, hasLong, hasShort, defaultsOnly), { minLength: 1, maxLength: 6 })
        .map((columns) => ({ bars, columns, hasLong, hasShort }));
    });
const caseArb = caseArbOf(false);
const seedCallCaseArb = caseArbOf(true);

const pools = [new KernelPool(1), new KernelPool(2)];
afterAll(async () => { await Promise.all(pools.map((p) => p.close())); });

async function runCase(c: Case, pool: KernelPool, dayEnds = new Int32Array(0), config = DEFAULT_CONFIG,
  layout: { tileBars?: number; groupCols?: number } = {}) {
  return runKernel(pool, {
    ...layout,
    ...c.bars,
    dayEnds,
    nCols: c.columns.length,
    hasLong: c.hasLong,
    hasShort: c.hasShort,
    tp: Float64Array.from(c.columns, (x) => x.tp),
    sl: Float64Array.from(c.columns, (x) => x.sl),
    tsl: Float64Array.from(c.columns, (x) => x.tsl),
    config: { ...config },
    settings: columnSettings(config, c.columns.length, c.columns.map((x) => x.settings)),
    longExit: c.columns.map((x) => x.longExit != null),
    shortExit: c.columns.map((x) => x.shortExit != null),
    placeSignals(col, long, short, longExit, shortExit) {
      const x = c.columns[col];
      if (long) packBits(x.long!, long);
      if (short) packBits(x.short!, short);
      if (longExit) packBits(x.longExit!, longExit);
      if (shortExit) packBits(x.shortExit!, shortExit);
    },
  });
}

function kernelTrades(rec: TradeRecords, col: number): ModelTrade[] {
  const out: ModelTrade[] = [];
  for (let k = rec.offsets[col]; k < rec.offsets[col + 1]; k++) {
    out.push({
      direction: DIRECTION_NAMES[rec.direction[k]], status: STATUS_NAMES[rec.status[k]],
      entryIdx: rec.entryIdx[k], entryPrice: rec.entryPrice[k], entryFees: rec.entryFees[k],
      exitIdx: rec.exitIdx[k], exitPrice: rec.exitPrice[k], exitFees: rec.exitFees[k],
      size: rec.size[k], pnl: rec.pnl[k], return: rec.return[k], exitReason: REASON_NAMES[rec.exitReason[k]],
    });
  }
  return out;
}

/** vectorbt's return metrics the long way: full returns array, two-pass variance. */
function naiveReturnMetrics(value: number[], initCash: number) {
  // vectorbt's get_return_nb: from a zero value the return is 0 or ±inf; from a negative one, sign flipped
  const r = value.map((v, i) => {
    const prev = i === 0 ? initCash : value[i - 1];
    if (prev === 0) return v === 0 ? 0 : Infinity * Math.sign(v);
    return prev < 0 ? -(v - prev) / prev : (v - prev) / prev;
  });
  const n = r.length;
  const mean = r.reduce((a, b) => a + b, 0) / n;
  const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const std = Math.sqrt((variance * n) / (n - 1));
  const downside = Math.sqrt(r.reduce((a, b) => a + Math.min(b, 0) ** 2, 0) / n) * Math.sqrt(ANN_FACTOR);
  // the drawdown as the pinned release's post-processing (vectorbt-rust) computes it: cumulative
  // returns as a running product from 100, an expanding max from the first bar, np.min (NaN wins)
  let cum = 1, cum100 = 100, peak = NaN, mdd = Infinity;
  for (const x of r) {
    cum *= x + 1;
    cum100 *= x + 1;
    if (Number.isNaN(peak) || cum100 > peak) peak = cum100;
    const dd = cum100 / peak - 1;
    mdd = Number.isNaN(dd) || Number.isNaN(mdd) ? NaN : Math.min(mdd, dd);
  }
  return {
    sharpe: std === 0 ? Infinity : (mean / std) * Math.sqrt(ANN_FACTOR),
    sortino: downside === 0 ? Infinity : (mean * ANN_FACTOR) / downside,
    max_drawdown: mdd,
    calmar: mdd === 0 ? NaN : (cum ** (ANN_FACTOR / n) - 1) / Math.abs(mdd),
  };
}

const near = (a: number, b: number, tol = 1e-9) =>
  Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b));

describe('kernel vs plain model', () => {
  it('produces identical trade records on random cases with the seed call\'s settings (1 and 2 threads)', async () => {
    await fc.assert(fc.asyncProperty(seedCallCaseArb, fc.constantFrom(0, 1), async (c, p) => {
      const out = await runCase(c, pools[p]);
      c.columns.forEach((col, k) => {
        const model = simulateModel(c.bars, col, DEFAULT_CONFIG);
        expect(kernelTrades(out.records, k)).toStrictEqual(model.trades);
      });
    }), { numRuns: 200 });
  });

  it('produces identical trade records with exits and every setting drawn per column (1 and 2 threads)', async () => {
    await fc.assert(fc.asyncProperty(caseArb, fc.constantFrom(0, 1), async (c, p) => {
      const out = await runCase(c, pools[p]);
      c.columns.forEach((col, k) => {
        const model = simulateModel(c.bars, col, DEFAULT_CONFIG);
        expect(kernelTrades(out.records, k), JSON.stringify(col.settings ?? {})).toStrictEqual(model.trades);
      });
    }), { numRuns: 1000 });
  });

  it('takes the batch settings where a column sets none (1 and 2 threads)', async () => {
    await fc.assert(fc.asyncProperty(caseArb, batchSettingsArb, fc.constantFrom(0, 1), async (drawn, batch, p) => {
      const config = { ...DEFAULT_CONFIG, ...batch };
      const c = { ...drawn, columns: drawn.columns.map((col) => withoutPercentReversal(col, batch)) };
      const out = await runCase(c, pools[p], new Int32Array(0), config);
      c.columns.forEach((col, k) => {
        const model = simulateModel(c.bars, col, config);
        expect(kernelTrades(out.records, k), JSON.stringify({ batch, own: col.settings ?? {} })).toStrictEqual(model.trades);
      });
    }), { numRuns: 300 });
  });

  it('accumulates total profit, fees and return metrics as the full value series gives them', async () => {
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const n = c.bars.close.length;
      const out = await runCase(c, pools[0], Int32Array.from([Math.floor((n - 1) / 2), n - 1]));
      const names = c.columns.map((_, k) => `s${k}`);
      const metrics = computeMetrics(names, out.records, out.stats, n, DEFAULT_CONFIG);
      c.columns.forEach((col, k) => {
        const model = simulateModel(c.bars, col, DEFAULT_CONFIG);
        expect(out.stats[k * STATS_SLOTS]).toBe(model.totalProfit);
        expect(near(metrics[k].total_fees, model.totalFees, 1e-12)).toBe(true);
        // value at each day end is the model's value series at that bar, exactly
        expect(out.dailyValues[k * 2]).toBe(model.value[Math.floor((n - 1) / 2)]);
        expect(out.dailyValues[k * 2 + 1]).toBe(model.value[n - 1]);
        const naive = naiveReturnMetrics(model.value, effectiveSettings(col, DEFAULT_CONFIG).initCash);
        for (const key of ['max_drawdown', 'calmar'] as const) {
          expect(metrics[k][key], key).toBe(naive[key]);
        }
        for (const key of ['sharpe', 'sortino'] as const) {
          expect(near(metrics[k][key], naive[key], 1e-8), `${key} ${metrics[k][key]} vs ${naive[key]}`).toBe(true);
        }
      });
    }), { numRuns: 150 });
  });
});

type Outputs = Awaited<ReturnType<typeof runCase>>;
type Typed = Float64Array | Int32Array | Uint8Array;
const bytesOf = (a: Typed) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Every output of two runs, bit for bit. */
function expectSameOutputs(a: Outputs, b: Outputs) {
  expect(a.records.length).toBe(b.records.length);
  for (const key of Object.keys(a.records) as (keyof TradeRecords)[]) {
    if (key === 'length') continue;
    expect(bytesOf(a.records[key] as Typed).equals(bytesOf(b.records[key] as Typed)), `records.${key}`).toBe(true);
  }
  expect(bytesOf(a.stats).equals(bytesOf(b.stats)), 'stats').toBe(true);
  expect(bytesOf(a.dailyValues).equals(bytesOf(b.dailyValues)), 'daily values').toBe(true);
}

describe('dust positions', () => {
  it('a position below the minimum size keeps its rejected stop exits, as the model does', async () => {
    // a short that lost almost everything is reversed: the cash covers all but a sliver, which
    // stays short (dust); later its stop level is crossed for many bars (every exit rejected,
    // the long entry on such a bar ignored) and a long entry below the level reverses it
    const n = 200;
    const close = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      close[i] = i < 10 ? 100 : i < 20 ? 100 + (i - 9) * 10 : i < 50 ? 200 : i < 60 ? 200 + (i - 49) * 10
        : i < 100 ? 300 + (i % 2) : 150;
    }
    const open = Float64Array.from(close, (c, i) => (i === 0 ? c : close[i - 1]));
    const high = Float64Array.from(close, (c, i) => Math.max(c, open[i]) * 1.001);
    const low = Float64Array.from(close, (c, i) => Math.min(c, open[i]) * 0.999);
    const long = new Uint8Array(n);
    const short = new Uint8Array(n);
    short[2] = 1;
    long[30] = 1;
    long[70] = 1;
    long[150] = 1;
    const config = { ...DEFAULT_CONFIG, minSize: 1 };
    const columns: ModelColumn[] = [
      { long, short, tp: NaN, sl: NaN, tsl: 1.5 },
      { long, short, tp: NaN, sl: 1.5, tsl: NaN },
      { long, short, tp: 0.9, sl: 1.5, tsl: 1.4 },
    ];
    const c: Case = { bars: { open, high, low, close }, columns, hasLong: true, hasShort: true };
    for (const pool of pools) {
      for (const tileBars of [7, 64, 1 << 20]) {
        const out = await runCase(c, pool, Int32Array.from([49, 99, 199]), config, { tileBars });
        columns.forEach((col, k) => {
          const model = simulateModel(c.bars, col, config);
          expect(model.trades.some((t) => t.size < config.minSize), 'a dust trade').toBe(true);
          expect(kernelTrades(out.records, k)).toStrictEqual(model.trades);
          expect(out.dailyValues[k * 3 + 1]).toBe(model.value[99]);
          expect(out.stats[k * STATS_SLOTS]).toBe(model.totalProfit);
        });
      }
    }
  });

  it('matches the model with a large minimum size on random cases', async () => {
    await fc.assert(fc.asyncProperty(caseArb, fc.constantFrom(0.5, 5, 50), async (c, minSize) => {
      const config = { ...DEFAULT_CONFIG, minSize: minSize * DEFAULT_CONFIG.initCash / c.bars.close[0] / 100 };
      const out = await runCase(c, pools[0], new Int32Array(0), config);
      c.columns.forEach((col, k) => {
        expect(kernelTrades(out.records, k)).toStrictEqual(simulateModel(c.bars, col, config).trades);
      });
    }), { numRuns: 200 });
  });
});

describe('tiles and column groups', () => {
  it('never change a result: tiny tiles, any group size, 1 and 2 threads', async () => {
    await fc.assert(fc.asyncProperty(caseArb, fc.constantFrom(1, 2, 7, 16, 100), fc.constantFrom(1, 2, 5),
      fc.constantFrom(0, 1), async (c, tileBars, groupCols, p) => {
        const n = c.bars.close.length;
        const dayEnds = Int32Array.from(new Set([0, Math.floor(n / 3), Math.floor((n - 1) / 2), n - 1]));
        const whole = await runCase(c, pools[0], dayEnds, DEFAULT_CONFIG, { tileBars: 1 << 20, groupCols: 64 });
        const tiled = await runCase(c, pools[p], dayEnds, DEFAULT_CONFIG, { tileBars, groupCols });
        expectSameOutputs(tiled, whole);
      }), { numRuns: 200 });
  });

  it('runs many columns in groups across 2 threads, each as the model does', async () => {
    await fc.assert(fc.asyncProperty(barsArb(), fc.constantFrom('long', 'short', 'longshort'), fc.integer({ min: 1, max: 2 ** 30 }),
      async (bars, dir, seed) => {
        const hasLong = dir !== 'short';
        const hasShort = dir !== 'long';
        const columns = fc.sample(columnArb(bars, hasLong, hasShort), { numRuns: 41, seed });
        const c: Case = { bars, columns, hasLong, hasShort };
        const out = await runCase(c, pools[1], new Int32Array(0), DEFAULT_CONFIG, { tileBars: 16, groupCols: 3 });
        columns.forEach((col, k) => {
          expect(kernelTrades(out.records, k)).toStrictEqual(simulateModel(c.bars, col, DEFAULT_CONFIG).trades);
        });
        expectSameOutputs(out, await runCase(c, pools[0]));
      }), { numRuns: 20 });
  });
});

describe('kernel record buffer', () => {
  it('grows the record room mid-run and resumes, losing and duplicating nothing', async () => {
    // every bar alternates long/short entries: one reversal per bar, far more records than a region holds
    const n = 200_000;
    // flat price, no fees or slippage: every reversal fills and the account never shrinks
    const close = new Float64Array(n).fill(100);
    const bars = { open: close, high: close, low: close, close };
    const long = Uint8Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const short = Uint8Array.from({ length: n }, (_, i) => (i % 2 === 1 ? 1 : 0));
    const column: ModelColumn = { long, short, tp: NaN, sl: NaN, tsl: NaN };
    const c: Case = { bars, columns: [column, column], hasLong: true, hasShort: true };
    const free = { ...DEFAULT_CONFIG, fees: 0, slippage: 0 };
    const out = await runCase(c, pools[0], new Int32Array(0), free);
    // per column: n − 1 reversals, then the open trade at the end; more than one region holds
    expect(n * RECORD_SIZE).toBeGreaterThan(INITIAL_RECORD_BYTES);
    expect(out.records.length).toBe(2 * n);
    const model = simulateModel(bars, column, free);
    expect(model.trades.length).toBe(n);
    expect(kernelTrades(out.records, 0)).toStrictEqual(model.trades);
    expect(kernelTrades(out.records, 1)).toStrictEqual(model.trades);
    // the same with small tiles, one column a group, on 2 threads: room runs out mid-tile
    const tiled = await runCase(c, pools[1], new Int32Array(0), free, { tileBars: 5000, groupCols: 1 });
    expectSameOutputs(tiled, out);
    // the pool plans the room it learned it needs: later batches reuse it instead of growing again
    const pool = new KernelPool(1);
    const sizes: number[] = [];
    for (let run = 0; run < 4; run++) {
      expect((await runCase(c, pool, new Int32Array(0), free)).records.length).toBe(2 * n);
      sizes.push(pool.memoryBytes);
    }
    await pool.close();
    expect(sizes[3]).toBe(sizes[1]);
    expect(sizes[2]).toBe(sizes[1]);
  });
});
