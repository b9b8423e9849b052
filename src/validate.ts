// Checks on in-memory inputs, shared by the parquet loader and the library call. Each failure is
// one SimrunError line naming the source and the first offending row.
import { SimrunError } from './errors.js';

export interface PriceColumns {
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
}

const PRICE_NAMES = ['open', 'high', 'low', 'close'] as const;

function badPrice(x: number): string {
  if (Number.isNaN(x)) return 'a NaN';
  if (!Number.isFinite(x)) return `an infinite value (${x})`;
  return `a non-positive value (${x})`;
}

/** Prices finite and > 0, `low ≤ open, close ≤ high`, equal lengths, at least one bar. */
export function validatePrices(bars: PriceColumns, source: string): void {
  const { open, high, low, close } = bars;
  const n = close.length;
  if (n === 0) throw new SimrunError('bad-value', 'has no rows', source);
  for (const name of ['open', 'high', 'low'] as const) {
    if (bars[name].length !== n) {
      throw new SimrunError('shape-mismatch', `column "${name}" has ${bars[name].length} rows, "close" has ${n}`, source);
    }
  }
  for (let i = 0; i < n; i++) {
    const o = open[i];
    const h = high[i];
    const l = low[i];
    const c = close[i];
    // !(x > 0) catches NaN and x <= 0; x === Infinity catches +inf
    if (!(o > 0) || !(h > 0) || !(l > 0) || !(c > 0) || o === Infinity || h === Infinity || l === Infinity || c === Infinity) {
      const cols = [o, h, l, c];
      const k = cols.findIndex((x) => !(x > 0) || x === Infinity);
      throw new SimrunError('bad-value', `column "${PRICE_NAMES[k]}" has ${badPrice(cols[k])} at row ${i}`, source);
    }
    if (l > o || l > c) throw new SimrunError('bad-value', `row ${i}: low ${l} is above min(open ${o}, close ${c})`, source);
    if (h < o || h < c) throw new SimrunError('bad-value', `row ${i}: high ${h} is below max(open ${o}, close ${c})`, source);
  }
}

export function validateTimes(time: ArrayLike<number>, source: string): void {
  for (let i = 1; i < time.length; i++) {
    if (!(time[i] > time[i - 1])) {
      const why = time[i] === time[i - 1] ? 'duplicate' : 'not increasing';
      throw new SimrunError('bad-value', `timestamp ${why} at row ${i} (${new Date(time[i]).toISOString()})`, source);
    }
  }
}

/** A stop fraction: NaN (off) or 0 < x < 1. */
export function validateStop(value: number, what: string, source: string): void {
  if (Number.isNaN(value)) return;
  if (!(value > 0 && value < 1)) {
    throw new SimrunError('bad-params', `${what} must be a fraction between 0 and 1 (exclusive), got ${value}`, source);
  }
}

export function validateSignalBytes(values: ArrayLike<number>, n: number, what: string, source: string): void {
  if (values.length !== n) {
    throw new SimrunError('shape-mismatch', `${what} has ${values.length} rows, the bars have ${n}`, source);
  }
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1) throw new SimrunError('bad-value', `${what} is not boolean at row ${i} (${v})`, source);
  }
}
