// The constants of the pipeline's from_signals call, in one place. Every one can be overridden
// from the command line and the library call.
export interface SimConfig {
  /** Proportional fee per order (0.0002 = 0.02 %). */
  fees: number;
  /** Proportional slippage on signal orders (stop exits fill at the stop, without slippage). */
  slippage: number;
  /** Starting cash of every strategy (no cash sharing). */
  initCash: number;
  /** Orders smaller than this are rejected (vectorbt's `min_size`). */
  minSize: number;
}

export const DEFAULT_CONFIG: Readonly<SimConfig> = Object.freeze({
  fees: 0.0002,
  slippage: 0.0002,
  initCash: 100_000,
  minSize: 1e-8,
});

/** Bars per year for annualised metrics: 365 days of 1-minute bars (vectorbt freq='1min'). */
export const ANN_FACTOR = 365 * 24 * 60;

/** Bars are cut into days in the pipeline's clock: UTC → this zone, plus `DAY_SHIFT_HOURS`. */
export const PIPELINE_TIME_ZONE = 'America/Chicago';
export const DAY_SHIFT_HOURS = 7;
