// runBatch as a library call: batches run at the same time share the kernel's pool one at a time.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { finishBatch, planBatch, readBatch, runBatch, simulateBatch, type RunBatchResult } from '../src/run-batch.js';
import { sharedPool, shutdown } from '../src/simulate.js';
import * as L from '../assembly/layout/records.js';
import { readParquetTable } from '../src/batch/read.js';
import { barsTable, cleanupTmpDirs, rng, signalsTable, tmpDir, writeFile, writeTable } from './batch/fixtures.js';

afterAll(async () => {
  await shutdown();
  cleanupTmpDirs();
});

const N = 20_000;

function makeData(count: number): { root: string; batches: string[] } {
  const root = tmpDir('simrun-run-batch-');
  const r = rng(3);
  let p = 100;
  const close = Array.from({ length: N }, () => (p = p * (1 + (r() - 0.5) * 0.01)));
  writeTable(path.join(root, 'ETH/ohlcv.parquet'), barsTable({ n: N, close }));
  const batches: string[] = [];
  for (let b = 1; b <= count; b++) {
    const name = `ETH_longshort/batch_${String(b).padStart(3, '0')}`;
    const cols: Record<string, number[]> = {};
    for (let s = 0; s < 6; s++) {
      for (const side of ['long', 'short']) cols[`s${s}:${side}`] = Array.from({ length: N }, () => (r() < 0.02 * b ? 1 : 0));
    }
    writeTable(path.join(root, name, 'signals.parquet'), signalsTable(cols));
    writeFile(path.join(root, name, 'params.csv'), 'strategy,tp_stop,sl_stop,tsl_stop\n' +
      Array.from({ length: 6 }, (_, s) => `s${s},0.0${s + 1},0.01,`).join('\n') + '\n');
    batches.push(name);
  }
  return { root, batches };
}

const rows = (r: RunBatchResult) => r.tradesTable.toArray().map((x) => x.toJSON());

describe('runBatch', () => {
  it('runs batches called at the same time one after another in the kernel, each with its own results', async () => {
    const { root, batches } = makeData(3);
    const alone: RunBatchResult[] = [];
    for (const batch of batches) alone.push(await runBatch({ batch, data: root, write: false, threads: 2 }));
    expect(new Set(alone.map((r) => r.trades)).size).toBe(batches.length); // the batches differ
    // whole calls at once, and the kernel phases of three batches started together
    const together = await Promise.all(batches.map((batch) => runBatch({ batch, data: root, write: false, threads: 2 })));
    const plans = batches.map((batch) => planBatch({ batch, data: root, write: false, threads: 2 }));
    const inputs = await Promise.all(plans.map((plan) => readBatch(plan)));
    const sims = await Promise.all(plans.map((plan, i) => simulateBatch(plan, inputs[i])));
    const phased = await Promise.all(plans.map((plan, i) => finishBatch(plan, inputs[i], sims[i], 0)));
    for (const results of [together, phased]) {
      for (let i = 0; i < batches.length; i++) {
        expect(results[i].trades, batches[i]).toBe(alone[i].trades);
        expect(rows(results[i]), batches[i]).toEqual(rows(alone[i]));
        expect(results[i].metrics, batches[i]).toEqual(alone[i].metrics);
      }
    }
  });
});

describe('settings and exit signals reach the kernel (issue 14)', () => {
  const n = 3000;
  const STRATS = ['s0', 's1', 's2'];
  /** A longshort batch: s0 with both exits and its own settings, s1 with a short exit only, s2 plain. */
  function settingsBatch(paramsCsv: string): { root: string; exits: Map<string, number[]> } {
    const root = tmpDir('simrun-settings-');
    const r = rng(9);
    let p = 100;
    const close = Array.from({ length: n }, () => (p = p * (1 + (r() - 0.5) * 0.01)));
    writeTable(path.join(root, 'ETH/ohlcv.parquet'), barsTable({ n, close }));
    const draw = (rate: number) => Array.from({ length: n }, () => (r() < rate ? 1 : 0));
    const cols: Record<string, number[]> = {};
    const exits = new Map<string, number[]>();
    for (const s of STRATS) for (const side of ['long', 'short']) cols[`${s}:${side}`] = draw(0.01);
    for (const name of ['s0:long_exit', 's0:short_exit', 's1:short_exit']) exits.set(name, (cols[name] = draw(0.03)));
    writeTable(path.join(root, 'ETH_longshort/batch_001/signals.parquet'), signalsTable(cols));
    writeFile(path.join(root, 'ETH_longshort/batch_001/params.csv'), paramsCsv);
    return { root, exits };
  }

  it("puts each strategy's settings in its column-table entry and its exit bits in the kernel's buffers", async () => {
    const { root, exits } = settingsBatch('strategy,tp_stop,sl_stop,tsl_stop,fees,price,init_cash,upon_opposite_entry\n' +
      's0,0.02,,,0.001,open,5000,Close\ns1,,0.01,,,,,\ns2,,,,0,Close,,reverse\n');
    const plan = planBatch({ batch: 'ETH_longshort/batch_001', data: root, write: false, threads: 1,
      config: { fees: 0.0005, initCash: 2e5, uponOppositeEntry: 'closereduce' } });
    const sim = await simulateBatch(plan, await readBatch(plan));
    const kp = sim.out.plan;
    const buf = sharedPool(1).prepare(kp).buffer; // the same memory, as the kernel left it
    const table = new DataView(buf, kp.columns, kp.nCols * L.COL_BYTES);
    const f64 = (c: number, at: number) => table.getFloat64(c * L.COL_BYTES + at, true);
    const u8 = (c: number, at: number) => table.getUint8(c * L.COL_BYTES + at);
    expect(STRATS.map((_, c) => f64(c, L.COL_FEES))).toEqual([0.001, 0.0005, 0]);
    expect(STRATS.map((_, c) => f64(c, L.COL_INIT_CASH))).toEqual([5000, 2e5, 2e5]);
    expect(STRATS.map((_, c) => f64(c, L.COL_SLIPPAGE))).toEqual([0.0002, 0.0002, 0.0002]);
    expect(STRATS.map((_, c) => u8(c, L.COL_PRICE))).toEqual([L.PRICE_OPEN, L.PRICE_CLOSE, L.PRICE_CLOSE]);
    expect(STRATS.map((_, c) => u8(c, L.COL_UPON_OPPOSITE_ENTRY)))
      .toEqual([L.OPPOSITE_CLOSE, L.OPPOSITE_CLOSE_REDUCE, L.OPPOSITE_REVERSE]);
    expect(STRATS.map((_, c) => u8(c, L.COL_SIZE_TYPE))).toEqual([L.SIZE_TYPE_AMOUNT, L.SIZE_TYPE_AMOUNT, L.SIZE_TYPE_AMOUNT]);
    // exits: a pointer only where the strategy has the column, and its bits there, bar i at bit i
    const bitsAt = (ptr: number) => Array.from({ length: n }, (_, i) => (new Uint8Array(buf, ptr, Math.ceil(n / 8))[i >> 3] >> (i & 7)) & 1);
    const ptr = (c: number, at: number) => table.getUint32(c * L.COL_BYTES + at, true);
    expect(ptr(0, L.COL_LONG_EXIT)).toBe(kp.longExit[0]);
    expect(bitsAt(ptr(0, L.COL_LONG_EXIT))).toEqual(exits.get('s0:long_exit'));
    expect(bitsAt(ptr(0, L.COL_SHORT_EXIT))).toEqual(exits.get('s0:short_exit'));
    expect(ptr(1, L.COL_LONG_EXIT)).toBe(0);
    expect(bitsAt(ptr(1, L.COL_SHORT_EXIT))).toEqual(exits.get('s1:short_exit'));
    expect([ptr(2, L.COL_LONG_EXIT), ptr(2, L.COL_SHORT_EXIT)]).toEqual([0, 0]);
  });

  it("starts each strategy's metrics and daily returns from its own init cash, as if the batch had that cash", async () => {
    const own = settingsBatch('strategy,tp_stop,sl_stop,tsl_stop,init_cash\ns0,0.02,,,\ns1,,0.01,,5000\ns2,,,,\n');
    const out = tmpDir('simrun-settings-out-');
    const r = await runBatch({ batch: 'ETH_longshort/batch_001', data: own.root, out: path.join(out, 'own'), threads: 1 });
    expect(r.metrics.map((m) => m.start_value)).toEqual([100_000, 5000, 100_000]);
    for (const m of r.metrics) {
      expect(m.end_value).toBe(m.start_value + m.total_pnl);
      expect(m.total_return).toBe(m.total_pnl / m.start_value);
    }
    // the same strategy in a batch whose cash is 5000 for all: the same trades and metrics
    const all = settingsBatch('strategy,tp_stop,sl_stop,tsl_stop\ns0,0.02,,\ns1,,0.01,\ns2,,,\n');
    const r2 = await runBatch({ batch: 'ETH_longshort/batch_001', data: all.root, out: path.join(out, 'all'), threads: 1,
      config: { initCash: 5000 } });
    expect(r.metrics[1]).toEqual(r2.metrics[1]);
    const trades = (x: RunBatchResult) => rows(x).filter((t) => t.strategy === 's1');
    expect(trades(r).length).toBeGreaterThan(0);
    expect(trades(r)).toEqual(trades(r2));
    expect(r.metrics[1].total_pnl).not.toBe(0);
    expect(r.metrics[0].total_pnl).not.toBe(r2.metrics[0].total_pnl); // s0 kept the batch's 100,000
    // daily returns: s1's first day is against its 5000 in both (against the batch's 100,000 it would be near -95 %)
    const daily = (x: RunBatchResult, s: string) =>
      Array.from(readParquetTable(path.join(x.outDir!, 'daily_returns.parquet')).getChild(s)!.toArray() as Float64Array);
    expect(daily(r, 's1')).toEqual(daily(r2, 's1'));
  });
});
