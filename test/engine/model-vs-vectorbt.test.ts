// The plain model (test/model.ts) against the pinned vectorbt itself, independent of the kernel:
// random groups of columns (each group its own bars; per column signals, exits, stops and
// from_signals settings), one vectorbt call per group (test/engine/model-vs-vectorbt.py); every trade record must agree bit for bit,
// exit reason included, and so must the number of orders, the total profit and the value series.
//
// More cases by hand: MODEL_VS_VECTORBT_CASES=5000 MODEL_VS_VECTORBT_SEED=7 npx vitest run test/engine/model-vs-vectorbt.test.ts
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type TradeSettings } from '../../src/config.js';
import { effectiveSettings, simulateModel, type ModelColumn, type ModelTrade } from '../model.js';
import { barsArb, columnArb, type Bars } from './arbitraries.js';

const PYTHON = path.resolve('reference-data/.venv/bin/python');
const DRIVER = path.resolve('test/engine/model-vs-vectorbt.py');
const CASES = Number(process.env.MODEL_VS_VECTORBT_CASES ?? 400);
const SEED = Number(process.env.MODEL_VS_VECTORBT_SEED ?? 20261129);
const BARS = 150;

/** Columns that share their bars: one vectorbt call. */
interface Group { bars: Bars; columns: ModelColumn[] }

const groupArb: fc.Arbitrary<Group> = fc.tuple(barsArb(BARS, BARS), fc.constantFrom('long', 'short', 'longshort'))
  .chain(([bars, dir]) => fc.array(columnArb(bars, dir !== 'short', dir !== 'long'), { minLength: 1, maxLength: 8 })
    .map((columns) => ({ bars, columns })));

const bits = (a: ArrayLike<number> | null | undefined) =>
  Array.from({ length: BARS }, (_, i) => (a && a[i] ? '1' : '0')).join('');
/** JSON has no infinities or NaN: the driver reads these strings back with float(). */
const num = (x: number) => (Number.isFinite(x) ? x : String(x));

/** params.csv's name of each setting (vectorbt's argument). */
const PARAMS_NAME: Record<keyof TradeSettings, string> = {
  fees: 'fees', fixedFees: 'fixed_fees', slippage: 'slippage', initCash: 'init_cash', price: 'price', size: 'size',
  sizeType: 'size_type', accumulate: 'accumulate', uponOppositeEntry: 'upon_opposite_entry',
  uponLongConflict: 'upon_long_conflict', uponShortConflict: 'upon_short_conflict', uponDirConflict: 'upon_dir_conflict',
  stopEntryPrice: 'stop_entry_price', stopExitPrice: 'stop_exit_price', uponStopExit: 'upon_stop_exit',
};

function caseFile(groups: Group[]): string {
  const json = groups.map(({ bars, columns }) => ({
    n: BARS,
    open: Array.from(bars.open),
    high: Array.from(bars.high),
    low: Array.from(bars.low),
    close: Array.from(bars.close),
    long: columns.map((c) => bits(c.long)),
    short: columns.map((c) => bits(c.short)),
    long_exit: columns.map((c) => bits(c.longExit)),
    short_exit: columns.map((c) => bits(c.shortExit)),
    tp: columns.map((c) => num(c.tp)),
    sl: columns.map((c) => num(c.sl)),
    tsl: columns.map((c) => num(c.tsl)),
    // every setting of the column, as its params.csv row would give it
    settings: columns.map((c) => {
      const s = effectiveSettings(c, DEFAULT_CONFIG);
      return Object.fromEntries((Object.keys(PARAMS_NAME) as (keyof TradeSettings)[])
        .map((key) => [PARAMS_NAME[key], typeof s[key] === 'number' ? num(s[key] as number) : s[key]]));
    }),
  }));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'model-vs-vbt-')), 'cases.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

type VbtTrade = { [K in keyof ModelTrade]: ModelTrade[K] | string };

interface VbtColumn { orders: number; trades: ModelTrade[]; totalProfit: number; value: number[] }

/** The driver writes non-finite floats as 'inf', '-inf', 'nan'. */
const fromJson = (v: unknown) => (typeof v === 'string' && /^-?(inf|nan)$/.test(v)
  ? Number(v.replace('inf', 'Infinity').replace('nan', 'NaN')) : v);

function runVectorbt(groups: Group[]): VbtColumn[][] {
  const file = caseFile(groups);
  try {
    const run = spawnSync(PYTHON, [DRIVER, file], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (run.status !== 0) throw new Error(`vectorbt driver failed (${PYTHON}): ${run.error?.message ?? run.stderr}`);
    const out = JSON.parse(run.stdout) as { orders: number; trades: VbtTrade[]; totalProfit: unknown; value: unknown[] }[][];
    return out.map((group) => group.map((c) => ({
      orders: c.orders,
      trades: c.trades.map((t) => Object.fromEntries(Object.entries(t).map(([key, v]) => [key, fromJson(v)])) as unknown as ModelTrade),
      totalProfit: fromJson(c.totalProfit) as number,
      value: c.value.map(fromJson) as number[],
    })));
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/** Every field identical: integers and names exactly, floats to the bit (Object.is). */
function sameTrades(a: ModelTrade[], b: ModelTrade[]): boolean {
  return a.length === b.length && a.every((t, j) =>
    (Object.keys(t) as (keyof ModelTrade)[]).every((key) => Object.is(t[key], b[j][key])));
}

describe('model vs vectorbt 1.2.0', () => {
  it(`agrees record for record, bit for bit, on about ${CASES} random columns with random settings`, () => {
    const groups = fc.sample(groupArb, { numRuns: Math.ceil(CASES / 4.5), seed: SEED });
    const vbt = runVectorbt(groups);
    const cases = groups.flatMap((g, j) => g.columns.map((col, k) => ({ bars: g.bars, col, vbt: vbt[j][k], at: `${j}.${k}` })));
    const model = cases.map((c) => simulateModel(c.bars, c.col, DEFAULT_CONFIG));
    const bad = cases.filter((c, k) => {
      const m = model[k];
      return m.orders !== c.vbt.orders || !sameTrades(m.trades, c.vbt.trades) || !Object.is(m.totalProfit, c.vbt.totalProfit)
        || !m.value.every((x, i) => Object.is(x, c.vbt.value[i]));
    });
    console.log(`model vs vectorbt: ${cases.length - bad.length} of ${cases.length} random columns agree `
      + `(${groups.length} calls, seed ${SEED}${bad.length ? `; differ: ${bad.slice(0, 20).map((c) => c.at).join(', ')}` : ''})`);
    for (const c of bad.slice(0, 2)) {
      const { orders, trades, totalProfit, value } = simulateModel(c.bars, c.col, DEFAULT_CONFIG);
      const col = { ...c.col, long: null, short: null, longExit: null, shortExit: null };
      expect({ at: c.at, col, orders, trades, totalProfit, value }, `column ${c.at}: model vs vectorbt`)
        .toStrictEqual({ at: c.at, col, ...c.vbt });
    }
    expect(bad.map((c) => c.at)).toStrictEqual([]);
  }, 600_000);
});
