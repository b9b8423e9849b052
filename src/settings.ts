// The from_signals settings a strategy runs under: their vectorbt names, enum codes and the
// per-column arrays the kernel reads (assembly/layout/records.ts: COL_*). A setting is batch-wide
// (SimConfig: CLI flag, library config) unless params.csv sets it for one strategy.
import * as L from '../assembly/layout/records.js';
import type { SimConfig, TradeSettings } from './config.js';

/** Enum names → codes, vectorbt's own values (the kernel's codes are the same numbers). */
export const ENUM_CODES = {
  price: { Close: L.PRICE_CLOSE, Open: L.PRICE_OPEN },
  sizeType: { Amount: L.SIZE_TYPE_AMOUNT, Value: L.SIZE_TYPE_VALUE, Percent: L.SIZE_TYPE_PERCENT },
  accumulate: {
    Disabled: L.ACCUMULATE_DISABLED, Both: L.ACCUMULATE_BOTH, AddOnly: L.ACCUMULATE_ADD_ONLY,
    RemoveOnly: L.ACCUMULATE_REMOVE_ONLY,
  },
  uponOppositeEntry: {
    Ignore: L.OPPOSITE_IGNORE, Close: L.OPPOSITE_CLOSE, CloseReduce: L.OPPOSITE_CLOSE_REDUCE,
    Reverse: L.OPPOSITE_REVERSE, ReverseReduce: L.OPPOSITE_REVERSE_REDUCE,
  },
  uponLongConflict: {
    Ignore: L.CONFLICT_IGNORE, Entry: L.CONFLICT_ENTRY, Exit: L.CONFLICT_EXIT, Adjacent: L.CONFLICT_ADJACENT,
    Opposite: L.CONFLICT_OPPOSITE,
  },
  uponShortConflict: {
    Ignore: L.CONFLICT_IGNORE, Entry: L.CONFLICT_ENTRY, Exit: L.CONFLICT_EXIT, Adjacent: L.CONFLICT_ADJACENT,
    Opposite: L.CONFLICT_OPPOSITE,
  },
  uponDirConflict: {
    Ignore: L.DIR_CONFLICT_IGNORE, Long: L.DIR_CONFLICT_LONG, Short: L.DIR_CONFLICT_SHORT,
    Adjacent: L.DIR_CONFLICT_ADJACENT, Opposite: L.DIR_CONFLICT_OPPOSITE,
  },
  stopEntryPrice: {
    ValPrice: L.STOP_ENTRY_VAL_PRICE, Price: L.STOP_ENTRY_PRICE, FillPrice: L.STOP_ENTRY_FILL_PRICE,
    Close: L.STOP_ENTRY_CLOSE,
  },
  stopExitPrice: {
    StopLimit: L.STOP_EXIT_STOP_LIMIT, StopMarket: L.STOP_EXIT_STOP_MARKET, Price: L.STOP_EXIT_PRICE,
    Close: L.STOP_EXIT_CLOSE,
  },
  uponStopExit: {
    Close: L.STOP_EXIT_MODE_CLOSE, CloseReduce: L.STOP_EXIT_MODE_CLOSE_REDUCE, Reverse: L.STOP_EXIT_MODE_REVERSE,
    ReverseReduce: L.STOP_EXIT_MODE_REVERSE_REDUCE,
  },
} as const satisfies { [K in keyof TradeSettings]?: Record<string, number> };

export type EnumSetting = keyof typeof ENUM_CODES;
export type NumberSetting = 'fees' | 'fixedFees' | 'slippage' | 'initCash' | 'size';
export const NUMBER_SETTINGS: readonly NumberSetting[] = ['fees', 'fixedFees', 'slippage', 'initCash', 'size'];
export const ENUM_SETTINGS = Object.keys(ENUM_CODES) as EnumSetting[];

/** One strategy's params.csv settings: only those its row sets (an empty cell is absent). */
export type SettingOverrides = Partial<TradeSettings>;

/** Every column's settings, as the kernel's column table takes them. */
export interface ColumnSettings {
  fees: Float64Array;
  fixedFees: Float64Array;
  slippage: Float64Array;
  initCash: Float64Array;
  size: Float64Array;
  /** Per enum setting, one code per column. */
  codes: Record<EnumSetting, Uint8Array>;
}

/** The batch settings for every column, overridden per column where `overrides[c]` says so. */
export function columnSettings(config: SimConfig, nCols: number,
  overrides?: readonly (SettingOverrides | undefined)[]): ColumnSettings {
  const out: ColumnSettings = {
    fees: new Float64Array(nCols), fixedFees: new Float64Array(nCols), slippage: new Float64Array(nCols),
    initCash: new Float64Array(nCols), size: new Float64Array(nCols),
    codes: Object.fromEntries(ENUM_SETTINGS.map((k) => [k, new Uint8Array(nCols)])) as Record<EnumSetting, Uint8Array>,
  };
  for (let c = 0; c < nCols; c++) {
    const o = overrides?.[c];
    for (const k of NUMBER_SETTINGS) out[k][c] = o?.[k] ?? config[k];
    for (const k of ENUM_SETTINGS) {
      const name = (o?.[k] ?? config[k]) as string;
      out.codes[k][c] = (ENUM_CODES[k] as Record<string, number>)[name];
    }
  }
  return out;
}
