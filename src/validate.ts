// Checks on in-memory inputs, shared by the parquet loader and the library call. Each failure is
// one SimrunError line naming the source and the first offending row.
import { DEFAULT_CONFIG, type SimConfig, type TradeSettings } from './config.js';
import { ENUM_CODES, strategySettings, type ColumnSettings, type EnumSetting, type NumberSetting, type SettingOverrides } from './settings.js';
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

/** A setting as any door may give it: its own type, or text (a flag, a params.csv cell, a queue job's JSON). */
export type SettingsInput = { [K in keyof SimConfig]?: SimConfig[K] | string | boolean };

/** A setting's value, or what is wrong with it (to be put in a one-line error by the caller). */
export type SettingResult<K extends keyof SimConfig> = { value: SimConfig[K] } | { problem: string };

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^\+?inf(?:inity)?$/i;

/** The range of each number setting: a test and how to say it. */
const NUMBER_RANGES: Record<NumberSetting | 'minSize', [ok: (x: number) => boolean, want: string]> = {
  fees: [(x) => Number.isFinite(x) && x >= 0, 'a finite number ≥ 0'],
  fixedFees: [(x) => Number.isFinite(x) && x >= 0, 'a finite number ≥ 0 (cash per order)'],
  slippage: [(x) => x >= 0 && x < 1, 'a fraction with 0 ≤ slippage < 1'],
  initCash: [(x) => x > 0 && x <= MAX_INIT_CASH,
    `a number > 0 and ≤ ${MAX_INIT_CASH} (larger cash overflows float64 sizes and values)`],
  size: [(x) => x > 0, 'a number > 0 (inf: as much as cash allows)'],
  minSize: [(x) => Number.isFinite(x) && x >= 0, 'a finite number ≥ 0'],
};

const shown = (raw: unknown) => (typeof raw === 'string' ? `"${raw.slice(0, 40)}"` : String(raw));

/**
 * One setting from any door (CLI, library, queue job, params.csv cell): numbers in their range,
 * enum names matched case-insensitively and returned in vectorbt's spelling, `accumulate` also
 * true/false. With `text` (a flag, a cell, JSON), numbers may also be written as decimals or `inf`;
 * a library caller's numbers must be numbers. The one place a single setting is checked.
 */
export function settingValue<K extends keyof SimConfig>(key: K, raw: unknown, text = true): SettingResult<K> {
  if (key in ENUM_CODES) {
    const names = Object.keys(ENUM_CODES[key as EnumSetting]);
    if (key === 'accumulate' && (typeof raw === 'boolean' || /^(true|false)$/i.test(String(raw)))) {
      return { value: (String(raw).toLowerCase() === 'true' ? 'Both' : 'Disabled') as SimConfig[K] };
    }
    const name = typeof raw === 'string' ? names.find((n) => n.toLowerCase() === raw.trim().toLowerCase()) : undefined;
    if (name === undefined) {
      const also = key === 'accumulate' ? ', or true/false' : '';
      return { problem: `unknown value ${shown(raw)} (one of: ${names.join(', ')}${also})` };
    }
    return { value: name as SimConfig[K] };
  }
  if (!Object.hasOwn(NUMBER_RANGES, key)) return { problem: 'is not a setting' };
  const [ok, want] = NUMBER_RANGES[key as NumberSetting | 'minSize'];
  let x: number;
  if (typeof raw === 'number') x = raw;
  else if (typeof raw !== 'string' || !text) return { problem: `must be a number, got ${shown(raw)}` };
  else if (DECIMAL.test(raw.trim())) x = Number(raw.trim());
  else if (INFINITY.test(raw.trim())) x = Infinity;
  else return { problem: `must be ${want}, got ${shown(raw)}` };
  if (!ok(x)) return { problem: `must be ${want}, got ${x}` };
  return { value: x as SimConfig[K] };
}

/** What is wrong with a size under a size type, or null: Percent takes a fraction in (0, 1]. */
export function sizeProblem(size: number, sizeType: SimConfig['sizeType']): string | null {
  if (sizeType === 'Percent' && !(size > 0 && size <= 1)) {
    return `must be a fraction in (0, 1] with size type Percent, got ${size}`;
  }
  return null;
}

/**
 * The constants of a call, defaults filled in, each checked by {@link settingValue}, and the size
 * against the size type. `source` names where they came from (the command line, simulate(), a queue
 * job); `label` names a setting as that door does (`--init-cash`, `initCash`); `text`: numbers may
 * come as text (flags, queue jobs), not from library callers.
 */
export function validateConfig(config: SettingsInput | undefined, source: string | undefined,
  label: (key: keyof SimConfig) => string = (key) => key, text = false): SimConfig {
  const c: SimConfig = { ...DEFAULT_CONFIG };
  if (config != null) {
    if (typeof config !== 'object') throw new SimrunError('bad-argument', 'config must be an object', source);
    for (const [key, raw] of Object.entries(config)) {
      if (!Object.hasOwn(DEFAULT_CONFIG, key)) {
        throw new SimrunError('bad-argument', `unknown setting "${key}" (known: ${Object.keys(DEFAULT_CONFIG).join(', ')})`, source);
      }
      if (raw === undefined) continue;
      const k = key as keyof SimConfig;
      const r = settingValue(k, raw, text);
      if ('problem' in r) throw new SimrunError('bad-argument', `${label(k)} ${r.problem}`, source);
      (c as unknown as Record<string, unknown>)[k] = r.value;
    }
  }
  const sized = sizeProblem(c.size, c.sizeType);
  if (sized) throw new SimrunError('bad-argument', `${label('size')} ${sized}`, source);
  return c;
}

/** Where a strategy's settings came from, for its one-line errors. */
export interface StrategySource {
  /** The file (params.csv) or call (simulate()) the strategy is in. */
  source: string;
  strategy: string;
  /** How that source names a setting (a params.csv column, a field). */
  name: (key: keyof TradeSettings) => string;
  /** What such a name is, for messages (default "column"). */
  kind?: string;
}

/**
 * A strategy's own settings (each already a valid value) over the batch's: the size against the
 * size type, and vectorbt's refusal of Percent sizes where a signal could reverse the position
 * ("SizeType.Percent does not support position reversal using signals"), refused up front rather
 * than at the bar where vectorbt would raise: upon_stop_exit when it has a stop, upon_opposite_entry
 * when an entry can meet an opposite position (entries of both sides, or a stop whose exit mode is
 * Reverse or ReverseReduce: even a "reduce" by a percent of what could be sold may flip it), if that
 * mode reverses. Reverse always does; ReverseReduce only reduces under accumulate Both or RemoveOnly
 * (run on vectorbt 1.2.0: those two cases pass, the other twelve of the 16 accumulate × mode pairs
 * with Reverse* raise).
 */
export function checkStrategySettings(config: SimConfig, own: SettingOverrides, where: StrategySource,
  has: { bothSides: boolean; stop: boolean }): void {
  const s = strategySettings(config, own);
  const fail = (keys: (keyof TradeSettings)[], problem: string): never => {
    const key = keys.find((k) => own[k] !== undefined);
    const at = key ? `strategy "${where.strategy}", ${where.kind ?? 'column'} "${where.name(key)}"` : `strategy "${where.strategy}" (batch settings)`;
    throw new SimrunError('bad-params', `${at}: ${problem}`, where.source);
  };
  const sized = sizeProblem(s.size, s.sizeType);
  if (sized) fail(['size', 'sizeType'], `size ${sized}`);
  if (s.sizeType !== 'Percent') return;
  const reduces = s.accumulate === 'Both' || s.accumulate === 'RemoveOnly';
  const reverses = (mode: string) => mode === 'Reverse' || (mode === 'ReverseReduce' && !reduces);
  const stopMayFlip = has.stop && (s.uponStopExit === 'Reverse' || s.uponStopExit === 'ReverseReduce');
  const why = (has.bothSides || stopMayFlip) && reverses(s.uponOppositeEntry)
    ? { key: 'uponOppositeEntry' as const, what: `${where.name('uponOppositeEntry')} ${s.uponOppositeEntry} with ` +
      (has.bothSides ? 'entries of both sides' : `a stop that may flip the position (${where.name('uponStopExit')} ${s.uponStopExit})`) }
    : has.stop && reverses(s.uponStopExit)
      ? { key: 'uponStopExit' as const, what: `${where.name('uponStopExit')} ${s.uponStopExit} with a stop set` }
      : null;
  if (why) {
    fail([why.key, 'sizeType', 'accumulate'], `size type Percent cannot reverse a position (vectorbt: "SizeType.Percent ` +
      `does not support position reversal using signals"), and ${why.what} would; use another size type, a Close mode, ` +
      `or ReverseReduce with accumulate Both or RemoveOnly`);
  }
}

/** Kernel threads: a whole number from 1 to MAX_THREADS. */
export function validateThreads(threads: unknown, source: string | undefined, label = 'threads'): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new SimrunError('bad-argument', `${label} must be a whole number from 1 to ${MAX_THREADS}, got ${String(threads)} ` +
      `(more threads than cores only adds overhead)`, source);
  }
  return threads;
}

/** vectorbt's float tolerance (atol): a valuation price this close to 0 counts as 0. */
export const VALUE_MIN_PRICE = 1e-12;

/**
 * A Value size divides by the bar's order price (the valuation price), which vectorbt snaps to 0
 * within its tolerance and then raises on ("val_price_now must be finite and greater than 0"):
 * refused up front, naming the strategy and the first such bar.
 */
export function validateValuePrices(settings: ColumnSettings, strategies: readonly string[],
  bars: { open: ArrayLike<number>; close: ArrayLike<number> }, source: string): void {
  for (let c = 0; c < strategies.length; c++) {
    if (settings.codes.sizeType[c] !== ENUM_CODES.sizeType.Value) continue;
    const atOpen = settings.codes.price[c] === ENUM_CODES.price.Open;
    const price = atOpen ? bars.open : bars.close;
    for (let i = 0; i < price.length; i++) {
      if (price[i] <= VALUE_MIN_PRICE) {
        throw new SimrunError('bad-value', `strategy "${strategies[c]}" sizes orders by Value, but the ${atOpen ? 'open' : 'close'} ` +
          `at row ${i} is ${price[i]}, within vectorbt's zero tolerance (${VALUE_MIN_PRICE}), where vectorbt cannot value an ` +
          `order: use size type Amount or Percent, or scale the prices`, source);
      }
    }
  }
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
