// Shapes that cross module boundaries on the host side.
import type { SettingOverrides } from './settings.js';

/** Which signal sides a batch carries (`<ASSET>_<direction>`). */
export type Direction = 'long' | 'short' | 'longshort';

/** Bars of one asset, columns as typed arrays. */
export interface Bars {
  /** UTC epoch milliseconds, strictly increasing. */
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

/** One strategy's stops; NaN = that stop is off. */
export interface StrategyParams {
  strategy: string;
  tpStop: number;
  slStop: number;
  tslStop: number;
  /**
   * The from_signals settings its params.csv row sets (columns named after vectorbt's arguments,
   * src/settings.ts: SETTING_DOCS); an empty cell is absent: the batch's setting.
   */
  settings: SettingOverrides;
  /**
   * params.csv columns beyond the stops and settings, in file order, carried into outputs untouched.
   * A Map, not an object: a column may be called `__proto__` or `constructor`.
   */
  extra: ReadonlyMap<string, string>;
}

/**
 * Where a batch's signals are: one 0/1 byte per bar. `long`/`short` are null when the batch's
 * direction has no such side. The bytes may live inside the WASM memory (the loader writes them
 * straight there) or in ordinary memory (library callers).
 */
export interface StrategySignals {
  long: Uint8Array | null;
  short: Uint8Array | null;
  /** Exit signals (vectorbt's `exits` / `short_exits`), null when the strategy has none. */
  longExit: Uint8Array | null;
  shortExit: Uint8Array | null;
}
