// Random bars and strategy columns for the property tests (kernel vs model, model vs vectorbt):
// bars with gaps, flat bars and spikes; per column entries, exits, stops and every from_signals
// setting of issue 14, each drawn on its own so that rare combinations come up.
import fc from 'fast-check';
import type { TradeSettings } from '../../src/config.js';
import type { ModelColumn } from '../model.js';

export interface Bars {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

/** A small linear congruential stream: many random values from one drawn seed. */
export function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

/** Bars with ticks, gaps at the open, flat bars, spikes and tiny/huge price levels. */
export const barsArb = (minBars = 2, maxBars = 260): fc.Arbitrary<Bars> => fc.record({
  n: fc.integer({ min: minBars, max: maxBars }),
  level: fc.constantFrom(0.01, 1, 97.3, 3000, 45000, 2e6),
  tick: fc.constantFrom(0, 0.01, 1),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  vol: fc.constantFrom(0.001, 0.01, 0.05),
}).map(({ n, level, tick, seed, vol }) => {
  const rnd = lcg(seed);
  const round = (x: number) => (tick && level >= 100 * tick ? Math.max(tick, Math.round(x / tick) * tick) : x);
  const open = new Float64Array(n), high = new Float64Array(n), low = new Float64Array(n), close = new Float64Array(n);
  let prev: number = level;
  for (let i = 0; i < n; i++) {
    const kind = rnd();
    const gap = kind < 0.05 ? (rnd() - 0.5) * 20 * vol : (rnd() - 0.5) * 0.2 * vol;
    open[i] = round(prev * (1 + gap));
    if (kind > 0.95) { // flat bar
      close[i] = high[i] = low[i] = open[i];
    } else {
      close[i] = round(open[i] * (1 + (rnd() - 0.5) * 2 * vol));
      high[i] = round(Math.max(open[i], close[i]) * (1 + rnd() * vol));
      low[i] = round(Math.min(open[i], close[i]) * (1 - rnd() * vol));
      high[i] = Math.max(high[i], open[i], close[i]);
      low[i] = Math.min(low[i], open[i], close[i]);
    }
    prev = close[i];
  }
  return { open, high, low, close };
});

const stopArb = (lo: number, hi: number) => fc.oneof(
  fc.constant(NaN), fc.double({ min: lo, max: hi, noNaN: true }), fc.constantFrom(lo, hi, 0.5, 1e-4));

/** A setting left out (the batch's) about half the time, else one of `values`. */
const maybe = <T>(values: readonly T[]) => fc.option(fc.constantFrom(...values), { freq: 2, nil: undefined });

/** The settings a column may set; size is drawn as a scale and fixed once the bars are known. */
const drawnSettingsArb = fc.record({
  fees: maybe([0, 0.0002, 0.001, 0.01]),
  fixedFees: maybe([0, 0.01, 1, 100]),
  slippage: maybe([0, 0.0002, 0.001, 0.01]),
  initCash: maybe([1, 1000, 100_000, 1e7]),
  price: maybe(['Close', 'Open'] as const),
  sizeType: maybe(['Amount', 'Value', 'Percent'] as const),
  sizeScale: fc.option(fc.oneof(fc.constantFrom(0.1, 0.5, 1, 2), fc.double({ min: 0.01, max: 1, noNaN: true })),
    { freq: 2, nil: undefined }),
  accumulate: maybe(['Disabled', 'Both', 'AddOnly', 'RemoveOnly'] as const),
  uponOppositeEntry: maybe(['Ignore', 'Close', 'CloseReduce', 'Reverse', 'ReverseReduce'] as const),
  uponLongConflict: maybe(['Ignore', 'Entry', 'Exit', 'Adjacent', 'Opposite'] as const),
  uponShortConflict: maybe(['Ignore', 'Entry', 'Exit', 'Adjacent', 'Opposite'] as const),
  uponDirConflict: maybe(['Ignore', 'Long', 'Short', 'Adjacent', 'Opposite'] as const),
  stopEntryPrice: maybe(['ValPrice', 'Price', 'FillPrice', 'Close'] as const),
  stopExitPrice: maybe(['StopLimit', 'StopMarket', 'Price', 'Close'] as const),
  uponStopExit: maybe(['Close', 'CloseReduce', 'Reverse', 'ReverseReduce'] as const),
});
type DrawnSettings = typeof drawnSettingsArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Whether a column could ask vectorbt to reverse a position with SizeType.Percent (it raises
 * then). A reversal comes from an entry against the position (upon_opposite_entry) or from a
 * stop (upon_stop_exit): Reverse always reverses (it switches accumulation off), ReverseReduce
 * only while accumulation cannot remove (Disabled/AddOnly; otherwise it sells a percent of what
 * it could, which may still flip the position). An entry meets an opposite position when the
 * column has both sides, or when a stop may flip the position (Reverse/ReverseReduce).
 */
export function percentMayReverse(col: ModelColumn, batch: Partial<TradeSettings> = {}): boolean {
  const s = { accumulate: 'Disabled', uponOppositeEntry: 'ReverseReduce', uponStopExit: 'Close', ...batch, ...col.settings };
  const cannotRemove = s.accumulate === 'Disabled' || s.accumulate === 'AddOnly';
  const reverses = (mode: string) => mode === 'Reverse' || (mode === 'ReverseReduce' && cannotRemove);
  const anyStop = !Number.isNaN(col.tp) || !Number.isNaN(col.sl) || !Number.isNaN(col.tsl);
  const stopMayFlip = anyStop && (s.uponStopExit === 'Reverse' || s.uponStopExit === 'ReverseReduce');
  const entryMeetsOpposite = (col.long !== null && col.short !== null) || stopMayFlip;
  return (entryMeetsOpposite && reverses(s.uponOppositeEntry)) || (anyStop && reverses(s.uponStopExit));
}

/** The drawn settings as a column's own settings; the size in units that suit the bars. */
function columnSettings(d: DrawnSettings, firstClose: number): Partial<TradeSettings> {
  const out: Partial<TradeSettings> = {};
  for (const [key, value] of Object.entries(d)) {
    if (value !== undefined && key !== 'sizeScale') (out as Record<string, unknown>)[key] = value;
  }
  if (d.sizeScale !== undefined) {
    const type = d.sizeType ?? 'Amount';
    const cash = d.initCash ?? 100_000;
    out.size = type === 'Percent' ? Math.min(1, d.sizeScale) : type === 'Value' ? d.sizeScale * cash
      : (d.sizeScale * cash) / firstClose;
  } else if (d.sizeType === 'Percent') {
    out.size = 1; // Percent needs a finite size (at most 1)
  }
  return out;
}

/**
 * One strategy column: entries at a random density and stops; unless `defaultsOnly`, often
 * exit signals, and half the time its own settings (each one set or left to the batch).
 */
export const columnArb = (bars: Bars, hasLong: boolean, hasShort: boolean, defaultsOnly = false):
  fc.Arbitrary<ModelColumn> => fc.record({
  density: fc.constantFrom(0, 0.01, 0.05, 0.2, 0.6, 1),
  exitDensity: fc.constantFrom(0, 0.01, 0.05, 0.2, 0.6),
  exits: fc.constantFrom('none', 'long', 'short', 'both'),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  tp: stopArb(0.015, 0.05),
  sl: stopArb(0.01, 0.03),
  tsl: stopArb(0.005, 0.02),
  general: defaultsOnly ? fc.constant(false) : fc.boolean(),
  withExits: defaultsOnly ? fc.constant(false) : fc.boolean(),
  drawn: drawnSettingsArb,
}).map(({ density, exitDensity, exits, seed, tp, sl, tsl, general, withExits, drawn }): ModelColumn => {
  const n = bars.close.length;
  const rnd = lcg(seed);
  const side = (p: number) => Uint8Array.from({ length: n }, () => (rnd() < p ? 1 : 0));
  const col: ModelColumn = { long: hasLong ? side(density) : null, short: hasShort ? side(density) : null, tp, sl, tsl };
  if (!general && !withExits) return col;
  if (general) col.settings = columnSettings(drawn, bars.close[0]);
  if (exits === 'long' || exits === 'both') col.longExit = side(exitDensity);
  if (exits === 'short' || exits === 'both') col.shortExit = side(exitDensity);
  return withoutPercentReversal(col);
});

/** The column, with Amount sizes instead of Percent where a reversal could meet them (simrun refuses those, vectorbt raises mid-run). */
export function withoutPercentReversal(col: ModelColumn, batch: Partial<TradeSettings> = {}): ModelColumn {
  if ((col.settings?.sizeType ?? batch.sizeType) !== 'Percent' || !percentMayReverse(col, batch)) return col;
  return { ...col, settings: { ...col.settings, sizeType: 'Amount', size: Infinity } };
}

/** Batch-wide settings (the CLI's flags), sizes apart: each set or left at simrun's default. */
export const batchSettingsArb: fc.Arbitrary<Partial<TradeSettings>> = drawnSettingsArb
  .map(({ sizeType: _type, sizeScale: _scale, ...rest }) =>
    Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<TradeSettings>);
