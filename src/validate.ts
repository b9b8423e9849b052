// Checks on in-memory inputs, shared by the parquet loader and the library call. Each failure is
// one SimrunError line naming the source and the first offending row.
import { DEFAULT_CONFIG, type SimConfig } from './config.js';
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

/** Whole UTC epoch milliseconds (within Date's range), strictly increasing. */
export function validateTimes(time: ArrayLike<number>, source: string): void {
  for (let i = 0; i < time.length; i++) {
    const t = time[i];
    if (!Number.isInteger(t) || Math.abs(t) > 8.64e15) {
      throw new SimrunError('bad-value', `time at row ${i} is ${t}, not a whole number of UTC epoch milliseconds`, source);
    }
  }
  for (let i = 1; i < time.length; i++) {
    if (!(time[i] > time[i - 1])) {
      const why = time[i] === time[i - 1] ? 'duplicate' : 'not increasing';
      throw new SimrunError('bad-value', `timestamp ${why} at row ${i} (${new Date(time[i]).toISOString()})`, source);
    }
  }
}

export const MINUTE_MS = 60_000;

/**
 * Bars one minute apart, gaps (missing minutes) allowed: every step a whole number of minutes.
 * Annualised metrics count 365·24·60 bars a year, as vectorbt's freq='1min' does; other bar
 * sizes would give wrong Sharpe, Sortino and Calmar, so they are refused rather than guessed.
 */
export function validateMinuteBars(time: ArrayLike<number>, source: string): void {
  let smallest = Infinity;
  for (let i = 1; i < time.length; i++) {
    const step = time[i] - time[i - 1];
    if (step % MINUTE_MS !== 0) {
      throw new SimrunError('bad-value', `bars must be one minute apart (gaps allowed), but rows ${i - 1} and ${i} are ` +
        `${step / 1000} s apart (${new Date(time[i]).toISOString()})`, source);
    }
    if (step < smallest) smallest = step;
  }
  if (smallest !== Infinity && smallest !== MINUTE_MS) {
    throw new SimrunError('bad-value', `bars must be one minute apart (gaps allowed), but no two are: the closest are ` +
      `${smallest / MINUTE_MS} minutes apart (metrics are annualised for 1-minute bars)`, source);
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

/**
 * The largest initial cash simrun accepts. A short sale adds its proceeds (about the position's
 * value) to cash, and profits compound, so cash must sit far below the float64 limit (1.8e308) for
 * sizes, values and PnL to stay finite: at 1e308 a short's cash overflows to infinity and trades go
 * missing. 1e15 leaves 290 orders of magnitude for growth, and outputs are still checked finite.
 */
export const MAX_INIT_CASH = 1e15;

/** The most kernel threads a run accepts; past the machine's cores they only add overhead. */
export const MAX_THREADS = 1024;

/**
 * The constants of a call, defaults filled in, each checked: fees and min size finite ≥ 0,
 * 0 ≤ slippage < 1 (at 1 a sale's price is zero and a size infinite), 0 < init cash ≤ MAX_INIT_CASH.
 * `source` names where they came from (the command line, simulate(), a queue job).
 */
export function validateConfig(config: Partial<SimConfig> | undefined, source: string | undefined,
  label: (key: keyof SimConfig) => string = (key) => key): SimConfig {
  const c: SimConfig = { ...DEFAULT_CONFIG };
  if (config != null) {
    if (typeof config !== 'object') throw new SimrunError('bad-argument', 'config must be an object', source);
    for (const [key, value] of Object.entries(config)) {
      if (!Object.hasOwn(DEFAULT_CONFIG, key)) {
        throw new SimrunError('bad-argument', `unknown setting "${key}" (known: ${Object.keys(DEFAULT_CONFIG).join(', ')})`, source);
      }
      if (value === undefined) continue;
      if (typeof value !== typeof DEFAULT_CONFIG[key as keyof SimConfig]) {
        throw new SimrunError('bad-argument', `${key} must be a ${typeof DEFAULT_CONFIG[key as keyof SimConfig]}, got ${JSON.stringify(value)}`, source);
      }
      (c as unknown as Record<string, unknown>)[key] = value;
    }
  }
  const bad = (key: keyof SimConfig, want: string) =>
    new SimrunError('bad-argument', `${label(key)} must be ${want}, got ${c[key]}`, source);
  if (!(Number.isFinite(c.fees) && c.fees >= 0)) throw bad('fees', 'a finite number ≥ 0');
  if (!(Number.isFinite(c.minSize) && c.minSize >= 0)) throw bad('minSize', 'a finite number ≥ 0');
  if (!(c.slippage >= 0 && c.slippage < 1)) throw bad('slippage', 'a fraction with 0 ≤ slippage < 1');
  if (!(c.initCash > 0 && c.initCash <= MAX_INIT_CASH)) {
    throw bad('initCash', `a number > 0 and ≤ ${MAX_INIT_CASH} (larger cash overflows float64 sizes and values)`);
  }
  return c;
}

/** Kernel threads: a whole number from 1 to MAX_THREADS. */
export function validateThreads(threads: unknown, source: string | undefined, label = 'threads'): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new SimrunError('bad-argument', `${label} must be a whole number from 1 to ${MAX_THREADS}, got ${String(threads)} ` +
      `(more threads than cores only adds overhead)`, source);
  }
  return threads;
}

/** Order sizes (cash over price) must stay below this, far from float64's 1.8e308, for values and PnL to stay finite. */
export const MAX_SIZE = 1e300;

/**
 * An order's size is about cash over price, so init cash over the lowest price must stay inside
 * float64's range: bars whose prices go down to 1e-300 give infinite sizes with any cash. Refused
 * here, naming the row; what compounding could still overflow is caught by the kernel's finite check.
 */
export function validateScale(initCash: number, low: ArrayLike<number>, source: string): void {
  let at = 0;
  for (let i = 1; i < low.length; i++) if (low[i] < low[at]) at = i;
  if (low.length && !(initCash / low[at] < MAX_SIZE)) {
    throw new SimrunError('bad-value', `the low of ${low[at]} at row ${at} with init cash ${initCash} gives order sizes ` +
      `near ${initCash / low[at]}, beyond float64's safe range (${MAX_SIZE}): scale the prices or the cash`, source);
  }
}
