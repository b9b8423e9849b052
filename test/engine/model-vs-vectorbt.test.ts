// The plain model (test/model.ts) against the pinned vectorbt itself, independent of the kernel:
// random columns, each with its own bars, signals, exits, stops and from_signals settings, in one
// vectorbt call (test/engine/model-vs-vectorbt.py); every trade record must agree bit for bit,
// exit reason included, and so must the number of orders, the total profit and the value series.
//
// More cases by hand: MODEL_VS_VECTORBT_CASES=5000 MODEL_VS_VECTORBT_SEED=7 npx vitest run test/engine/model-vs-vectorbt.test.ts
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { ENUM_CODES } from '../../src/settings.js';
import { effectiveSettings, simulateModel, type ModelColumn, type ModelTrade } from '../model.js';
import { barsArb, columnArb, type Bars } from './arbitraries.js';

const PYTHON = path.resolve('reference-data/.venv/bin/python');
const DRIVER = path.resolve('test/engine/model-vs-vectorbt.py');
const CASES = Number(process.env.MODEL_VS_VECTORBT_CASES ?? 400);
const SEED = Number(process.env.MODEL_VS_VECTORBT_SEED ?? 20261129);
const BARS = 150;

interface Case { bars: Bars; col: ModelColumn }

const caseArb: fc.Arbitrary<Case> = fc.tuple(barsArb(BARS, BARS), fc.constantFrom('long', 'short', 'longshort'))
  .chain(([bars, dir]) => columnArb(bars, dir !== 'short', dir !== 'long').map((col) => ({ bars, col })));

const bits = (a: ArrayLike<number> | null | undefined) =>
  Array.from({ length: BARS }, (_, i) => (a && a[i] ? '1' : '0')).join('');
/** JSON has no infinities or NaN: the driver reads these strings back with float(). */
const num = (x: number) => (Number.isFinite(x) ? x : String(x));

function caseFile(cases: Case[]): string {
  const settings = cases.map((c) => effectiveSettings(c.col, DEFAULT_CONFIG));
  const code = (key: keyof typeof ENUM_CODES) => settings.map((s) => (ENUM_CODES[key] as Record<string, number>)[s[key]]);
  const json = {
    n: BARS,
    k: cases.length,
    open: cases.map((c) => Array.from(c.bars.open)),
    high: cases.map((c) => Array.from(c.bars.high)),
    low: cases.map((c) => Array.from(c.bars.low)),
    close: cases.map((c) => Array.from(c.bars.close)),
    long: cases.map((c) => bits(c.col.long)),
    short: cases.map((c) => bits(c.col.short)),
    long_exit: cases.map((c) => bits(c.col.longExit)),
    short_exit: cases.map((c) => bits(c.col.shortExit)),
    tp: cases.map((c) => num(c.col.tp)),
    sl: cases.map((c) => num(c.col.sl)),
    tsl: cases.map((c) => num(c.col.tsl)),
    settings: {
      fees: settings.map((s) => s.fees),
      fixed_fees: settings.map((s) => s.fixedFees),
      slippage: settings.map((s) => s.slippage),
      init_cash: settings.map((s) => s.initCash),
      size: settings.map((s) => num(s.size)),
      // vectorbt's price: +inf = the bar's close, -inf = its open
      price: settings.map((s) => (s.price === 'Open' ? '-inf' : 'inf')),
      size_type: code('sizeType'),
      accumulate: code('accumulate'),
      upon_long_conflict: code('uponLongConflict'),
      upon_short_conflict: code('uponShortConflict'),
      upon_dir_conflict: code('uponDirConflict'),
      upon_opposite_entry: code('uponOppositeEntry'),
      stop_entry_price: code('stopEntryPrice'),
      stop_exit_price: code('stopExitPrice'),
      upon_stop_exit: code('uponStopExit'),
    },
  };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'model-vs-vbt-')), 'cases.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

type VbtTrade = { [K in keyof ModelTrade]: ModelTrade[K] | string };

interface VbtColumn { orders: number; trades: ModelTrade[]; totalProfit: number; value: number[] }

/** The driver writes non-finite floats as 'inf', '-inf', 'nan'. */
const fromJson = (v: unknown) => (typeof v === 'string' && /^-?(inf|nan)$/.test(v)
  ? Number(v.replace('inf', 'Infinity').replace('nan', 'NaN')) : v);

function runVectorbt(cases: Case[]): VbtColumn[] {
  const file = caseFile(cases);
  try {
    const run = spawnSync(PYTHON, [DRIVER, file], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (run.status !== 0) throw new Error(`vectorbt driver failed (${PYTHON}): ${run.error?.message ?? run.stderr}`);
    const out = JSON.parse(run.stdout) as { orders: number; trades: VbtTrade[]; totalProfit: unknown; value: unknown[] }[];
    return out.map((c) => ({
      orders: c.orders,
      trades: c.trades.map((t) => Object.fromEntries(Object.entries(t).map(([key, v]) => [key, fromJson(v)])) as unknown as ModelTrade),
      totalProfit: fromJson(c.totalProfit) as number,
      value: c.value.map(fromJson) as number[],
    }));
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
  it(`agrees record for record, bit for bit, on ${CASES} random columns with random settings`, () => {
    const cases = fc.sample(caseArb, { numRuns: CASES, seed: SEED });
    const vbt = runVectorbt(cases);
    const bad: number[] = [];
    cases.forEach((c, k) => {
      const model = simulateModel(c.bars, c.col, DEFAULT_CONFIG);
      const v = vbt[k];
      if (model.orders !== v.orders || !sameTrades(model.trades, v.trades) || !Object.is(model.totalProfit, v.totalProfit)
        || !model.value.every((x, i) => Object.is(x, v.value[i]))) bad.push(k);
    });
    console.log(`model vs vectorbt: ${cases.length - bad.length} of ${cases.length} random columns agree `
      + `(seed ${SEED}${bad.length ? `; differ: ${bad.slice(0, 20).join(', ')}` : ''})`);
    for (const k of bad.slice(0, 2)) {
      const model = simulateModel(cases[k].bars, cases[k].col, DEFAULT_CONFIG);
      const col = { ...cases[k].col, long: null, short: null, longExit: null, shortExit: null };
      const { orders, trades, totalProfit, value } = model;
      expect({ case: k, col, orders, trades, totalProfit, value }, `case ${k}: model vs vectorbt`)
        .toStrictEqual({ case: k, col, ...vbt[k] });
    }
    expect(bad).toStrictEqual([]);
  }, 600_000);
});
