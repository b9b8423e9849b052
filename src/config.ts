// The constants of the pipeline's from_signals call, in one place. Every one can be overridden
// from the command line and the library call.
// Enum settings hold vectorbt's own names (src/settings.ts has the tables and each one's doc).
export type PriceName = 'Close' | 'Open';
export type SizeTypeName = 'Amount' | 'Value' | 'Percent';
export type AccumulateName = 'Disabled' | 'Both' | 'AddOnly' | 'RemoveOnly';
export type OppositeEntryName = 'Ignore' | 'Close' | 'CloseReduce' | 'Reverse' | 'ReverseReduce';
export type ConflictName = 'Ignore' | 'Entry' | 'Exit' | 'Adjacent' | 'Opposite';
export type DirConflictName = 'Ignore' | 'Long' | 'Short' | 'Adjacent' | 'Opposite';
export type StopEntryPriceName = 'ValPrice' | 'Price' | 'FillPrice' | 'Close';
export type StopExitPriceName = 'StopLimit' | 'StopMarket' | 'Price' | 'Close';
export type StopExitModeName = 'Close' | 'CloseReduce' | 'Reverse' | 'ReverseReduce';

/**
 * The settings of the from_signals call a strategy runs under. The batch-wide values come from
 * here (CLI flags, the library config); any of them except `minSize` can be set per strategy by
 * a params.csv column named after vectorbt's argument (src/settings.ts).
 */
export interface TradeSettings {
  /** Proportional fee per order (0.0002 = 0.02 %). */
  fees: number;
  /** Fixed fee per order, in cash. */
  fixedFees: number;
  /** Proportional slippage on signal orders (stop exits per `stopExitPrice`). */
  slippage: number;
  /** Starting cash of every strategy (no cash sharing). */
  initCash: number;
  /** Signal orders fill at the bar's close or open. */
  price: PriceName;
  /** Order size in units of `sizeType`; Infinity = all available cash. */
  size: number;
  sizeType: SizeTypeName;
  accumulate: AccumulateName;
  uponOppositeEntry: OppositeEntryName;
  uponLongConflict: ConflictName;
  uponShortConflict: ConflictName;
  uponDirConflict: DirConflictName;
  stopEntryPrice: StopEntryPriceName;
  stopExitPrice: StopExitPriceName;
  uponStopExit: StopExitModeName;
}

export interface SimConfig extends TradeSettings {
  /** Orders smaller than this are rejected (vectorbt's `min_size`). */
  minSize: number;
}

export const DEFAULT_CONFIG: Readonly<SimConfig> = Object.freeze({
  fees: 0.0002,
  fixedFees: 0,
  slippage: 0.0002,
  initCash: 100_000,
  price: 'Close',
  size: Infinity,
  sizeType: 'Amount',
  accumulate: 'Disabled',
  uponOppositeEntry: 'ReverseReduce',
  uponLongConflict: 'Ignore',
  uponShortConflict: 'Ignore',
  uponDirConflict: 'Ignore',
  stopEntryPrice: 'Close',
  stopExitPrice: 'StopLimit',
  uponStopExit: 'Close',
  minSize: 1e-8,
} satisfies SimConfig);

/** Bars per year for annualised metrics: 365 days of 1-minute bars (vectorbt freq='1min'). */
export const ANN_FACTOR = 365 * 24 * 60;

/** Bars are cut into days in the pipeline's clock: UTC → this zone, plus `DAY_SHIFT_HOURS`. */
export const PIPELINE_TIME_ZONE = 'America/Chicago';
export const DAY_SHIFT_HOURS = 7;
