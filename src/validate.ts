// Checks on in-memory inputs, shared by the parquet loader and the library call. Each failure is
// one SimrunError line naming the source and the first offending row.
import { SimrunError } from './errors.js';

export interface PriceColumns {
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
}

export function validatePrices(bars: PriceColumns, source: string): void {
  const n = bars.close.length;
  if (n === 0) throw new SimrunError('bad-value', 'no bars', source);
  for (const name of ['open', 'high', 'low'] as const) {
    if (bars[name].length !== n) {
      throw new SimrunError('shape-mismatch', `column "${name}" has ${bars[name].length} rows, "close" has ${n}`, source);
    }
  }
  for (const name of ['open', 'high', 'low', 'close'] as const) {
    const col = bars[name];
    for (let i = 0; i < n; i++) {
      const v = col[i];
      if (!(v > 0) || !Number.isFinite(v)) {
        const what = Number.isNaN(v) ? 'NaN' : !Number.isFinite(v) ? 'an infinite value' : `a non-positive value (${v})`;
        throw new SimrunError('bad-value', `column "${name}" has ${what} at row ${i}`, source);
      }
    }
  }
  const { open, high, low, close } = bars;
  for (let i = 0; i < n; i++) {
    if (high[i] < low[i]) throw new SimrunError('bad-value', `high < low at row ${i} (${high[i]} < ${low[i]})`, source);
    if (low[i] > open[i] || low[i] > close[i]) {
      throw new SimrunError('bad-value', `low is above open or close at row ${i}`, source);
    }
    if (high[i] < open[i] || high[i] < close[i]) {
      throw new SimrunError('bad-value', `high is below open or close at row ${i}`, source);
    }
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
